package dev.tasksync.internal.graph;

import dev.tasksync.DependencyCycleException;
import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

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
}
