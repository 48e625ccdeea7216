package dev.tasksync.internal.graph;

import dev.tasksync.DependencyCycleException;
import org.jgrapht.Graph;
import org.jgrapht.alg.cycle.CycleDetector;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.SimpleDirectedGraph;
import org.jgrapht.traverse.BreadthFirstIterator;
import org.jgrapht.traverse.TopologicalOrderIterator;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A task's steps as a JGraphT DAG: an edge runs from a dependency to the step that waits for it.
 * Keys are step ids for stored steps and titles for definitions not yet saved.
 */
public final class StepGraph<K> {
    private final Graph<K, DefaultEdge> graph;
    private final List<K> order;

    private StepGraph(Graph<K, DefaultEdge> graph, List<K> order) {
        this.graph = graph;
        this.order = List.copyOf(order);
    }

    /**
     * Builds the DAG. Every dependency must be a key of {@code dependsOn} (check that first).
     *
     * @throws DependencyCycleException naming the steps on a cycle
     */
    public static <K> StepGraph<K> of(Map<K, ? extends List<K>> dependsOn, Function<K, String> name) {
        Graph<K, DefaultEdge> g = new LeanDigraph<>();
        dependsOn.keySet().forEach(g::addVertex);
        dependsOn.forEach((step, deps) -> {
            for (K dep : deps) {
                if (dep.equals(step)) {
                    throw new DependencyCycleException(List.of(name.apply(step)));
                }
                g.addEdge(dep, step);
            }
        });
        // One pass orders the steps and proves there is no cycle; only when it stalls is the
        // (slower) cycle detector run, to name the steps on the cycle.
        List<K> order = new ArrayList<>(g.vertexSet().size());
        try {
            new TopologicalOrderIterator<>(g).forEachRemaining(order::add);
        } catch (IllegalArgumentException notADag) {
            CycleDetector<K, DefaultEdge> detector = new CycleDetector<>(g);
            throw new DependencyCycleException(oneCycle(g, detector.findCycles()).stream().map(name).toList());
        }
        if (order.size() != g.vertexSet().size()) {
            throw new DependencyCycleException(oneCycle(g, new CycleDetector<>(g).findCycles()).stream().map(name).toList());
        }
        return new StepGraph<>(g, order);
    }

    /**
     * A directed graph without JGraphT's per-edge lookup map: dependencies are already de-duplicated,
     * so the map's only use (refusing a second edge between two steps) is not needed, and it was most
     * of the cost of building a large DAG.
     */
    private static final class LeanDigraph<K> extends org.jgrapht.graph.AbstractBaseGraph<K, DefaultEdge> {
        LeanDigraph() {
            super(null, org.jgrapht.util.SupplierUtil.DEFAULT_EDGE_SUPPLIER,
                    org.jgrapht.graph.DefaultGraphType.directedMultigraph(),
                    new org.jgrapht.graph.DefaultGraphSpecificsStrategy<>());
        }
    }

    /** Orders the steps of a cycle by following edges, so the message reads as a loop. */
    private static <K> List<K> oneCycle(Graph<K, DefaultEdge> g, Set<K> onCycles) {
        K start = onCycles.iterator().next();
        List<K> path = new ArrayList<>();
        Set<K> seen = new LinkedHashSet<>();
        K current = start;
        while (seen.add(current)) {
            path.add(current);
            K next = null;
            for (DefaultEdge e : g.outgoingEdgesOf(current)) {
                K target = g.getEdgeTarget(e);
                if (onCycles.contains(target)) {
                    next = target;
                    break;
                }
            }
            if (next == null) {
                break;
            }
            current = next;
        }
        int from = path.indexOf(current);
        return from >= 0 ? path.subList(from, path.size()) : path;
    }

    /** Dependencies before dependents; among steps ready at the same time, the least by {@code tieBreak} first. */
    public List<K> topologicalOrder(java.util.Comparator<K> tieBreak) {
        List<K> order = new ArrayList<>(graph.vertexSet().size());
        new TopologicalOrderIterator<>(graph, tieBreak).forEachRemaining(order::add);
        return order;
    }

    /** Dependencies before dependents. */
    public List<K> topologicalOrder() {
        return order;
    }

    /** Every step that (transitively) waits for {@code key}. */
    public Set<K> downstreamOf(K key) {
        Set<K> result = new LinkedHashSet<>();
        new BreadthFirstIterator<>(graph, key).forEachRemaining(result::add);
        result.remove(key);
        return result;
    }

    /** Every step {@code key} (transitively) waits for, nearest first. */
    public List<K> upstreamOf(K key) {
        Set<K> result = new LinkedHashSet<>();
        List<K> frontier = directUpstreamOf(key);
        while (!frontier.isEmpty()) {
            List<K> next = new ArrayList<>();
            for (K k : frontier) {
                if (result.add(k)) {
                    next.addAll(directUpstreamOf(k));
                }
            }
            frontier = next;
        }
        return new ArrayList<>(result);
    }

    public List<K> directDownstreamOf(K key) {
        return graph.outgoingEdgesOf(key).stream().map(graph::getEdgeTarget).toList();
    }

    public List<K> directUpstreamOf(K key) {
        return graph.incomingEdgesOf(key).stream().map(graph::getEdgeSource).toList();
    }

    public Set<K> steps() {
        return graph.vertexSet();
    }

    /** The graph in DOT or Mermaid, for {@code task-sync graph}. */
    public String render(String format, Function<K, String> label) {
        StringBuilder sb = new StringBuilder();
        boolean mermaid = "mermaid".equalsIgnoreCase(format);
        sb.append(mermaid ? "graph TD\n" : "digraph task {\n");
        for (K v : topologicalOrder()) {
            String l = label.apply(v).replace("\"", "'");
            sb.append(mermaid ? "  s" + v + "[\"" + l + "\"]\n" : "  \"" + v + "\" [label=\"" + l + "\"];\n");
        }
        for (DefaultEdge e : graph.edgeSet()) {
            K s = graph.getEdgeSource(e);
            K t = graph.getEdgeTarget(e);
            sb.append(mermaid ? "  s" + s + " --> s" + t + "\n" : "  \"" + s + "\" -> \"" + t + "\";\n");
        }
        if (!mermaid) {
            sb.append("}\n");
        }
        return sb.toString();
    }
}
