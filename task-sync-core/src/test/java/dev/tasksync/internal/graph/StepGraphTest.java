package dev.tasksync.internal.graph;

import dev.tasksync.DependencyCycleException;
import org.jgrapht.Graph;
import org.jgrapht.alg.cycle.CycleDetector;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.DirectedMultigraph;
import org.jgrapht.traverse.BreadthFirstIterator;
import org.jgrapht.traverse.TopologicalOrderIterator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepGraphTest {

    private static Map<Integer, List<Integer>> deps(Object... pairs) {
        Map<Integer, List<Integer>> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            @SuppressWarnings("unchecked") List<Integer> d = (List<Integer>) pairs[i + 1];
            m.put((Integer) pairs[i], d);
        }
        return m;
    }

    @Test
    void ordersDependenciesFirst() {
        StepGraph<Integer> g = StepGraph.of(deps(3, List.of(2), 1, List.of(), 2, List.of(1), 4, List.of(1)), String::valueOf);
        List<Integer> order = g.topologicalOrder(Comparator.naturalOrder());
        assertThat(order).containsExactly(1, 2, 3, 4);
        assertThat(g.downstreamOf(1)).containsExactlyInAnyOrder(2, 3, 4);
        assertThat(g.downstreamOf(3)).isEmpty();
        assertThat(g.upstreamOf(3)).containsExactly(2, 1);
        assertThat(g.directUpstreamOf(3)).containsExactly(2);
    }

    @Test
    void namesTheStepsOfACycleInOrder() {
        assertThatThrownBy(() -> StepGraph.of(deps(1, List.of(3), 2, List.of(1), 3, List.of(2), 4, List.of()), id -> "s" + id))
                .isInstanceOfSatisfying(DependencyCycleException.class, e -> {
                    assertThat(e.steps()).containsExactlyInAnyOrder("s1", "s2", "s3");
                    // each step on the printed loop depends on... the previous one waits for it
                    assertThat(e.getMessage()).startsWith("dependency cycle between steps: ");
                });
    }

    @Test
    void aSelfDependencyIsACycle() {
        assertThatThrownBy(() -> StepGraph.of(deps(1, List.of(1)), id -> "s" + id))
                .isInstanceOf(DependencyCycleException.class).hasMessageContaining("s1 -> s1");
    }

    @Test
    void randomLargeDagsOrderCorrectly() {
        Random random = new Random(42);
        Map<Integer, List<Integer>> deps = new LinkedHashMap<>();
        for (int i = 0; i < 5_000; i++) {
            int n = i;
            deps.put(i, i == 0 ? List.of() : random.ints(3, 0, n).distinct().boxed().toList());
        }
        List<Integer> order = StepGraph.of(deps, String::valueOf).topologicalOrder();
        Map<Integer, Integer> position = new LinkedHashMap<>();
        for (int i = 0; i < order.size(); i++) {
            position.put(order.get(i), i);
        }
        deps.forEach((step, ds) -> ds.forEach(d -> assertThat(position.get(d)).isLessThan(position.get(step))));
    }

    @Test
    void rendersDotAndMermaid() {
        StepGraph<Integer> g = StepGraph.of(deps(1, List.of(), 2, List.of(1)), String::valueOf);
        assertThat(g.render("dot", id -> "step " + id)).contains("digraph").contains("\"1\" -> \"2\"").contains("label=\"step 2\"");
        assertThat(g.render("mermaid", id -> "step " + id)).startsWith("graph TD").contains("s1 --> s2");
    }

    @Test
    void anUnknownDependencyIsRefused() {
        assertThatThrownBy(() -> StepGraph.of(deps(1, List.of(), 2, List.of(1, 9)), id -> "s" + id))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9");
        StepGraph<Integer> g = StepGraph.of(deps(1, List.of()), String::valueOf);
        assertThatThrownBy(() -> g.downstreamOf(9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> g.directUpstreamOf(9)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void answersAsJGraphTDoesOnRandomDags() {
        for (long seed = 1; seed <= 30; seed++) {
            Random random = new Random(seed);
            int n = 1 + random.nextInt(300);
            // ids in a stride, negative ones too, so that the key index sees clustered hash codes
            int stride = seed % 3 == 0 ? 1024 : 1;
            int offset = seed % 5 == 0 ? -n * stride / 2 : 0;
            Map<Integer, List<Integer>> dag = randomDag(random, n, i -> offset + i * stride, true);
            assertSameAsJGraphT(dag, Comparator.comparing(k -> Math.floorMod(k, 7)));
            Map<String, List<String>> titled = new LinkedHashMap<>();
            dag.forEach((k, ds) -> titled.put("t" + k, ds.stream().map(d -> "t" + d).toList()));
            assertSameAsJGraphT(titled, Comparator.comparing(String::length));
        }
    }

    @Test
    void namesTheSameCycleAsJGraphT() {
        for (long seed = 1; seed <= 30; seed++) {
            Random random = new Random(seed);
            int n = 2 + random.nextInt(200);
            Map<Integer, List<Integer>> graph = randomDag(random, n, i -> i, false);
            // close one or two loops: a step is made to wait for a step that (transitively) waits for it
            int loops = 0;
            for (int attempt = 0; attempt < 50 && loops < 1 + seed % 2; attempt++) {
                int high = random.nextInt(n);
                List<Integer> below = upstream(jgrapht(graph), high);
                if (!below.isEmpty()) {
                    int low = below.get(random.nextInt(below.size()));
                    List<Integer> d = new ArrayList<>(graph.get(low));
                    d.add(high);
                    graph.put(low, d);
                    loops++;
                }
            }
            assertThat(loops).isPositive();
            assertThatThrownBy(() -> StepGraph.of(graph, id -> "s" + id))
                    .isInstanceOf(DependencyCycleException.class)
                    .hasMessage(new DependencyCycleException(jgraphtCycle(graph).stream().map(id -> "s" + id).toList()).getMessage());
        }
    }

    @Test
    void aLongChainNeedsNoDeepStack() {
        Map<Integer, List<Integer>> chain = new LinkedHashMap<>();
        for (int i = 0; i < 200_000; i++) {
            chain.put(i, i == 0 ? List.of() : List.of(i - 1));
        }
        StepGraph<Integer> g = StepGraph.of(chain, String::valueOf);
        assertThat(g.topologicalOrder()).hasSize(200_000).startsWith(0, 1, 2);
        assertThat(g.downstreamOf(0)).hasSize(199_999);
        assertThat(g.upstreamOf(199_999)).hasSize(199_999).startsWith(199_998, 199_997);
    }

    /** Steps {@code id(0..n)}, each waiting for up to 4 random steps below it (repeats allowed if asked), keys shuffled. */
    private static Map<Integer, List<Integer>> randomDag(Random random, int n, Function<Integer, Integer> id, boolean repeats) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        Map<Integer, List<Integer>> dag = new LinkedHashMap<>();
        for (int i : order) {
            List<Integer> d = new ArrayList<>();
            int k = i == 0 ? 0 : random.nextInt(5);
            for (int j = 0; j < k; j++) {
                int dep = id.apply(random.nextInt(i));
                if (repeats || !d.contains(dep)) {
                    d.add(dep);
                }
            }
            dag.put(id.apply(i), d);
        }
        return dag;
    }

    /** The JGraphT graph that {@link StepGraph} answers for: vertices and edges in insertion order. */
    private static <K> Graph<K, DefaultEdge> jgrapht(Map<K, List<K>> dependsOn) {
        Graph<K, DefaultEdge> g = new DirectedMultigraph<>(DefaultEdge.class);
        dependsOn.keySet().forEach(g::addVertex);
        dependsOn.forEach((step, ds) -> ds.forEach(d -> g.addEdge(d, step)));
        return g;
    }

    private static <K> void assertSameAsJGraphT(Map<K, List<K>> dependsOn, Comparator<K> tieBreak) {
        Graph<K, DefaultEdge> ref = jgrapht(dependsOn);
        StepGraph<K> g = StepGraph.of(dependsOn, String::valueOf);
        assertThat(g.steps()).containsExactlyElementsOf(ref.vertexSet());
        List<K> order = new ArrayList<>();
        new TopologicalOrderIterator<>(ref).forEachRemaining(order::add);
        assertThat(g.topologicalOrder()).isEqualTo(order);
        List<K> tied = new ArrayList<>();
        new TopologicalOrderIterator<>(ref, tieBreak).forEachRemaining(tied::add);
        assertThat(g.topologicalOrder(tieBreak)).isEqualTo(tied);
        for (K k : ref.vertexSet()) {
            List<K> down = new ArrayList<>();
            new BreadthFirstIterator<>(ref, k).forEachRemaining(down::add);
            down.remove(k);
            assertThat(g.downstreamOf(k)).containsExactlyElementsOf(down);
            assertThat(g.directDownstreamOf(k)).isEqualTo(ref.outgoingEdgesOf(k).stream().map(ref::getEdgeTarget).toList());
            assertThat(g.directUpstreamOf(k)).isEqualTo(ref.incomingEdgesOf(k).stream().map(ref::getEdgeSource).toList());
            assertThat(g.upstreamOf(k)).isEqualTo(upstream(ref, k));
            assertThat(g.steps()).contains(k);
        }
        assertThat(g.render("dot", k -> "step " + k)).isEqualTo(render(ref, order, "dot"));
        assertThat(g.render("mermaid", k -> "step " + k)).isEqualTo(render(ref, order, "mermaid"));
        Graph<K, DefaultEdge> view = g.asJGraphT();
        assertThat(view.vertexSet()).containsExactlyElementsOf(ref.vertexSet());
        assertThat(view.edgeSet().stream().map(e -> view.getEdgeSource(e) + ">" + view.getEdgeTarget(e)).toList())
                .isEqualTo(ref.edgeSet().stream().map(e -> ref.getEdgeSource(e) + ">" + ref.getEdgeTarget(e)).toList());
    }

    private static <K> List<K> upstream(Graph<K, DefaultEdge> g, K key) {
        Set<K> result = new LinkedHashSet<>();
        List<K> frontier = g.incomingEdgesOf(key).stream().map(g::getEdgeSource).toList();
        while (!frontier.isEmpty()) {
            List<K> next = new ArrayList<>();
            for (K k : frontier) {
                if (result.add(k)) {
                    next.addAll(g.incomingEdgesOf(k).stream().map(g::getEdgeSource).toList());
                }
            }
            frontier = next;
        }
        return new ArrayList<>(result);
    }

    private static <K> String render(Graph<K, DefaultEdge> g, List<K> order, String format) {
        StringBuilder sb = new StringBuilder();
        boolean mermaid = "mermaid".equals(format);
        sb.append(mermaid ? "graph TD\n" : "digraph task {\n");
        for (K v : order) {
            sb.append(mermaid ? "  s" + v + "[\"step " + v + "\"]\n" : "  \"" + v + "\" [label=\"step " + v + "\"];\n");
        }
        for (DefaultEdge e : g.edgeSet()) {
            K s = g.getEdgeSource(e);
            K t = g.getEdgeTarget(e);
            sb.append(mermaid ? "  s" + s + " --> s" + t + "\n" : "  \"" + s + "\" -> \"" + t + "\";\n");
        }
        return sb.append(mermaid ? "" : "}\n").toString();
    }

    /** The cycle the previous, all-JGraphT implementation named: its cycle detector, then edges followed. */
    private static <K> List<K> jgraphtCycle(Map<K, List<K>> dependsOn) {
        Graph<K, DefaultEdge> g = jgrapht(dependsOn);
        Set<K> onCycles = new CycleDetector<>(g).findCycles();
        List<K> path = new ArrayList<>();
        Set<K> seen = new LinkedHashSet<>();
        K current = onCycles.iterator().next();
        while (seen.add(current)) {
            path.add(current);
            K next = null;
            for (DefaultEdge e : g.outgoingEdgesOf(current)) {
                if (onCycles.contains(g.getEdgeTarget(e))) {
                    next = g.getEdgeTarget(e);
                    break;
                }
            }
            if (next == null) {
                break;
            }
            current = next;
        }
        return path.subList(path.indexOf(current), path.size());
    }
}
