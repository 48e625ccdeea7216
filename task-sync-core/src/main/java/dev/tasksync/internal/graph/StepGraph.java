package dev.tasksync.internal.graph;

import dev.tasksync.DependencyCycleException;
import org.jgrapht.Graph;
import org.jgrapht.alg.cycle.CycleDetector;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.DirectedMultigraph;

import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Function;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * A task's steps as a DAG: an edge runs from a dependency to the step that waits for it. Keys are
 * step ids for stored steps and titles for definitions not yet saved.
 *
 * <p>Each key is indexed to an int once (its position in the map given to {@link #of}); the edges
 * are kept as two compact adjacency arrays (CSR: dependents of each step, dependencies of each
 * step) over those ints. Validation, ordering and the up/downstream walks run over these arrays,
 * with no per-step or per-edge objects, which is what makes a 100,000-step task cheap to check and
 * small to keep. Every answer follows JGraphT's semantics for the same graph (a directed multigraph
 * whose vertices and edges are in insertion order): its topological order iterators, its
 * breadth-first iterator, its edge set order. {@link #asJGraphT()} builds that JGraphT graph on
 * demand, and a cycle is named by JGraphT's {@link CycleDetector} on it.
 */
public final class StepGraph<K> {
    /** Keys by index, in the order of the map they came from. */
    private final Object[] keys;
    private final KeyIndex index;
    /** Dependents of step {@code i}: {@code outAdj[outStart[i] .. outStart[i + 1])}, in insertion order. */
    private final int[] outStart;
    private final int[] outAdj;
    /** Dependencies of step {@code i}: {@code inAdj[inStart[i] .. inStart[i + 1])}, as listed. */
    private final int[] inStart;
    private final int[] inAdj;
    private final List<K> order;

    private StepGraph(Object[] keys, KeyIndex index, int[] outStart, int[] outAdj, int[] inStart, int[] inAdj, List<K> order) {
        this.keys = keys;
        this.index = index;
        this.outStart = outStart;
        this.outAdj = outAdj;
        this.inStart = inStart;
        this.inAdj = inAdj;
        this.order = order;
    }

    /**
     * Builds the DAG. Every dependency must be a key of {@code dependsOn} (check that first, to
     * report it well; here it is an {@link IllegalArgumentException}).
     *
     * @throws DependencyCycleException naming the steps on a cycle
     */
    public static <K> StepGraph<K> of(Map<K, ? extends List<K>> dependsOn, Function<K, String> name) {
        int n = dependsOn.size();
        Object[] keys = new Object[n];
        List<?>[] lists = new List<?>[n];
        KeyIndex index = new KeyIndex(keys);
        int i = 0;
        long edges = 0;
        for (Map.Entry<K, ? extends List<K>> e : dependsOn.entrySet()) {
            K key = e.getKey();
            if (key == null) {
                throw new NullPointerException("step key");
            }
            keys[i] = key;
            lists[i] = e.getValue();
            index.add(key, i);
            edges += e.getValue().size();
            i++;
        }
        if (edges > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many dependencies: " + edges);
        }
        int m = (int) edges;
        int[] inStart = new int[n + 1];
        int[] inAdj = new int[m];
        int[] outCount = new int[n + 1];
        int at = 0;
        for (int v = 0; v < n; v++) {
            for (Object dep : lists[v]) {
                int u = index.find(dep);
                if (u == v) {
                    @SuppressWarnings("unchecked") K self = (K) keys[v];
                    throw new DependencyCycleException(List.of(name.apply(self)));
                }
                if (u < 0) {
                    throw new IllegalArgumentException("step " + keys[v] + " depends on " + dep + ", which is not a step of this graph");
                }
                inAdj[at++] = u;
                outCount[u]++;
            }
            inStart[v + 1] = at;
        }
        // Dependents in the order the edges were added: by step, then by its dependency list.
        int[] outStart = new int[n + 1];
        for (int v = 0; v < n; v++) {
            outStart[v + 1] = outStart[v] + outCount[v];
        }
        int[] fill = outCount; // reused as the write cursor of each step's dependents
        System.arraycopy(outStart, 0, fill, 0, n + 1);
        int[] outAdj = new int[m];
        for (int v = 0; v < n; v++) {
            for (int j = inStart[v]; j < inStart[v + 1]; j++) {
                outAdj[fill[inAdj[j]]++] = v;
            }
        }

        // Kahn's algorithm, first in first out: orders the steps and proves there is no cycle.
        int[] indegree = fill; // reused again
        for (int v = 0; v < n; v++) {
            indegree[v] = inStart[v + 1] - inStart[v];
        }
        int[] queue = new int[n];
        int head = 0;
        int tail = 0;
        for (int v = 0; v < n; v++) {
            if (indegree[v] == 0) {
                queue[tail++] = v;
            }
        }
        while (head < tail) {
            int v = queue[head++];
            for (int j = outStart[v]; j < outStart[v + 1]; j++) {
                if (--indegree[outAdj[j]] == 0) {
                    queue[tail++] = outAdj[j];
                }
            }
        }
        StepGraph<K> graph = new StepGraph<>(keys, index, outStart, outAdj, inStart, inAdj, null);
        if (tail != n) {
            // Only now, to name the steps on one cycle, is the (slower) JGraphT graph built.
            Graph<K, DefaultEdge> g = graph.asJGraphT();
            throw new DependencyCycleException(CycleNames.oneCycle(g, new CycleDetector<>(g).findCycles()).stream().map(name).toList());
        }
        Object[] ordered = new Object[n];
        for (int j = 0; j < n; j++) {
            ordered[j] = keys[queue[j]];
        }
        @SuppressWarnings("unchecked") List<K> order = (List<K>) List.of(ordered);
        return new StepGraph<>(keys, index, outStart, outAdj, inStart, inAdj, order);
    }

    private int indexOf(Object key) {
        return index.find(key);
    }

    private int require(K key) {
        int v = indexOf(key);
        if (v < 0) {
            throw new IllegalArgumentException("no such step in the graph: " + key);
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private K key(int v) {
        return (K) keys[v];
    }

    // ---- queries

    /** Dependencies before dependents; among steps ready at the same time, the least by {@code tieBreak} first. */
    public List<K> topologicalOrder(Comparator<K> tieBreak) {
        int n = keys.length;
        int[] indegree = new int[n];
        PriorityQueue<Integer> ready = new PriorityQueue<>((a, b) -> tieBreak.compare(key(a), key(b)));
        for (int v = 0; v < n; v++) {
            indegree[v] = inStart[v + 1] - inStart[v];
            if (indegree[v] == 0) {
                ready.offer(v);
            }
        }
        List<K> result = new ArrayList<>(n);
        while (!ready.isEmpty()) {
            int v = ready.poll();
            result.add(key(v));
            for (int j = outStart[v]; j < outStart[v + 1]; j++) {
                if (--indegree[outAdj[j]] == 0) {
                    ready.offer(outAdj[j]);
                }
            }
        }
        return result;
    }

    /** Dependencies before dependents (an unmodifiable list, computed once when the graph was built). */
    public List<K> topologicalOrder() {
        return order;
    }

    /** Every step that (transitively) waits for {@code key}, breadth first. */
    public Set<K> downstreamOf(K key) {
        int start = require(key);
        BitSet seen = new BitSet();
        seen.set(start);
        int[] queue = new int[16];
        queue[0] = start;
        int head = 0;
        int tail = 1;
        Set<K> result = new LinkedHashSet<>();
        while (head < tail) {
            int v = queue[head++];
            for (int j = outStart[v]; j < outStart[v + 1]; j++) {
                int w = outAdj[j];
                if (!seen.get(w)) {
                    seen.set(w);
                    result.add(key(w));
                    if (tail == queue.length) {
                        queue = Arrays.copyOf(queue, tail * 2);
                    }
                    queue[tail++] = w;
                }
            }
        }
        return result;
    }

    /** Every step {@code key} (transitively) waits for, nearest first. */
    public List<K> upstreamOf(K key) {
        int start = require(key);
        BitSet seen = new BitSet();
        List<K> result = new ArrayList<>();
        int[] frontier = Arrays.copyOfRange(inAdj, inStart[start], inStart[start + 1]);
        int size = frontier.length;
        while (size > 0) {
            int[] next = new int[16];
            int nextSize = 0;
            for (int f = 0; f < size; f++) {
                int v = frontier[f];
                if (!seen.get(v)) {
                    seen.set(v);
                    result.add(key(v));
                    int degree = inStart[v + 1] - inStart[v];
                    if (nextSize + degree > next.length) {
                        next = Arrays.copyOf(next, Math.max(next.length * 2, nextSize + degree));
                    }
                    System.arraycopy(inAdj, inStart[v], next, nextSize, degree);
                    nextSize += degree;
                }
            }
            frontier = next;
            size = nextSize;
        }
        return result;
    }

    /** The steps that wait for {@code key} directly, in the order their dependencies were added. */
    public List<K> directDownstreamOf(K key) {
        int v = require(key);
        return new AdjacencySlice<>(keys, outAdj, outStart[v], outStart[v + 1]);
    }

    /** The steps {@code key} waits for directly, as its dependency list names them. */
    public List<K> directUpstreamOf(K key) {
        int v = require(key);
        return new AdjacencySlice<>(keys, inAdj, inStart[v], inStart[v + 1]);
    }

    /** Every step, in the order of the map the graph was built from. */
    public Set<K> steps() {
        return new AbstractSet<>() {
            @Override
            public Iterator<K> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keys.length;
                    }

                    @Override
                    public K next() {
                        if (next >= keys.length) {
                            throw new NoSuchElementException();
                        }
                        return key(next++);
                    }
                };
            }

            @Override
            public int size() {
                return keys.length;
            }

            @Override
            public boolean contains(Object o) {
                return indexOf(o) >= 0;
            }
        };
    }

    /**
     * The same graph as a new JGraphT directed multigraph (vertices and edges in insertion order),
     * for JGraphT's algorithms. Built on each call; the graph itself never needs it.
     */
    public Graph<K, DefaultEdge> asJGraphT() {
        Graph<K, DefaultEdge> g = new DirectedMultigraph<>(DefaultEdge.class);
        for (int v = 0; v < keys.length; v++) {
            g.addVertex(key(v));
        }
        forEachEdge(g::addEdge);
        return g;
    }

    /** The graph in DOT or Mermaid, for {@code task-sync graph}: steps in order, then edges as added. */
    public String render(String format, Function<K, String> label) {
        return render(format, label, (from, to) -> false);
    }

    /** As {@link #render(String, Function)}, drawing the edges {@code dashed} picks (implicit dependencies) dashed. */
    public String render(String format, Function<K, String> label, BiPredicate<K, K> dashed) {
        return GraphText.render(this, format, label, dashed);
    }

    /** Each edge, from dependency to dependent: by dependent in map order, then as its dependency list names them. */
    void forEachEdge(BiConsumer<K, K> edge) {
        for (int v = 0; v < keys.length; v++) {
            for (int j = inStart[v]; j < inStart[v + 1]; j++) {
                edge.accept(key(inAdj[j]), key(v));
            }
        }
    }
}
