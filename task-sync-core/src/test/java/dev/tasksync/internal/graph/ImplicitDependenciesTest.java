package dev.tasksync.internal.graph;

import dev.tasksync.DependencyCycleException;
import dev.tasksync.internal.graph.ImplicitDependencies.Edge;
import dev.tasksync.spi.StepResources;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImplicitDependenciesTest {
    private static final String APP = StepResources.image("my-app:1.0");

    /** The specification's order: 1 file check, 2 build my-app:1.0, 3 run it (depends_on 1), 4 shell in it (depends_on 2). */
    private static Map<Integer, List<Integer>> specification() {
        Map<Integer, List<Integer>> explicit = new LinkedHashMap<>();
        explicit.put(1, List.of());
        explicit.put(2, List.of());
        explicit.put(3, List.of(1));
        explicit.put(4, List.of(2));
        return explicit;
    }

    @Test
    void aStepWaitsForTheStepOfItsTaskThatMakesTheImageItUses() {
        Map<Integer, List<Integer>> explicit = specification();
        ImplicitDependencies<Integer> implicit = ImplicitDependencies.derive(explicit,
                Map.of(2, Set.of(APP)), Map.of(3, Set.of(APP), 4, Set.of(APP)));

        // 3 waits for 2 implicitly; 4 names 2 in depends_on already, so that edge stays explicit only
        assertThat(implicit.edges()).containsExactly(new Edge<>(3, 2, List.of(APP)));
        assertThat(implicit.edge(3, 2)).isNotNull();
        assertThat(implicit.edge(4, 2)).isNull();
        assertThat(implicit.combined(explicit)).containsExactly(
                Map.entry(1, List.of()), Map.entry(2, List.of()), Map.entry(3, List.of(1, 2)), Map.entry(4, List.of(2)));

        StepGraph<Integer> graph = StepGraph.of(implicit.combined(explicit), String::valueOf);
        assertThat(graph.directUpstreamOf(3)).containsExactly(1, 2);
        assertThat(graph.upstreamOf(4)).containsExactly(2);
        assertThat(graph.topologicalOrder().indexOf(2)).isLessThan(graph.topologicalOrder().indexOf(3));
    }

    @Test
    void withoutAMakerInTheTaskThereIsNoEdge() {
        ImplicitDependencies<Integer> implicit = ImplicitDependencies.derive(specification(),
                Map.of(2, Set.of(StepResources.image("other:1"))), Map.of(3, Set.of(APP)));
        assertThat(implicit.isEmpty()).isTrue();
        assertThat(implicit.combined(specification())).isEqualTo(specification());
    }

    @Test
    void severalMakersOfOneResourceAreAllWaitedFor() {
        Map<Integer, List<Integer>> explicit = new LinkedHashMap<>();
        explicit.put(10, List.of());
        explicit.put(11, List.of());
        explicit.put(12, List.of());
        // 12 pulls, 10 builds the same tag; 11 uses it and a container 12 makes too
        String web = StepResources.container("web");
        ImplicitDependencies<Integer> implicit = ImplicitDependencies.derive(explicit,
                Map.of(12, Set.of(APP, web), 10, Set.of(APP)), Map.of(11, Set.of(web, APP)));
        assertThat(implicit.of(11)).containsExactly(new Edge<>(11, 10, List.of(APP)), new Edge<>(11, 12, List.of(web, APP).stream().sorted().toList()));
    }

    @Test
    void aStepThatMakesWhatItUsesDoesNotWaitForItself() {
        Map<Integer, List<Integer>> explicit = new LinkedHashMap<>();
        explicit.put(1, List.of());
        ImplicitDependencies<Integer> implicit = ImplicitDependencies.derive(explicit, Map.of(1, Set.of(APP)), Map.of(1, Set.of(APP)));
        assertThat(implicit.isEmpty()).isTrue();
    }

    @Test
    void aCycleThroughAnImplicitEdgeIsACycle() {
        // 1 runs my-app:1.0; 2 builds it but names 1 in depends_on: 1 waits for 2 implicitly, 2 for 1 explicitly
        Map<Integer, List<Integer>> explicit = new LinkedHashMap<>();
        explicit.put(1, List.of());
        explicit.put(2, List.of(1));
        ImplicitDependencies<Integer> implicit = ImplicitDependencies.derive(explicit, Map.of(2, Set.of(APP)), Map.of(1, Set.of(APP)));
        assertThat(implicit.edges()).containsExactly(new Edge<>(1, 2, List.of(APP)));
        assertThatThrownBy(() -> StepGraph.of(implicit.combined(explicit), id -> "step " + id))
                .isInstanceOf(DependencyCycleException.class)
                .satisfies(e -> assertThat(((DependencyCycleException) e).steps()).containsExactlyInAnyOrder("step 1", "step 2"));
    }

    @Test
    void implicitEdgesRenderDashed() {
        Map<Integer, List<Integer>> explicit = specification();
        ImplicitDependencies<Integer> implicit = ImplicitDependencies.derive(explicit,
                Map.of(2, Set.of(APP)), Map.of(3, Set.of(APP), 4, Set.of(APP)));
        StepGraph<Integer> graph = StepGraph.of(implicit.combined(explicit), String::valueOf);
        String dot = graph.render("dot", id -> "step " + id, (from, to) -> implicit.edge(to, from) != null);
        assertThat(dot).contains("  \"2\" -> \"3\" [style=dashed];\n").contains("  \"1\" -> \"3\";\n").contains("  \"2\" -> \"4\";\n");
        String mermaid = graph.render("mermaid", id -> "step " + id, (from, to) -> implicit.edge(to, from) != null);
        assertThat(mermaid).contains("  s2 -.-> s3\n").contains("  s1 --> s3\n").contains("  s2 --> s4\n");
    }

    @Test
    void imageKeysReadTagsAsDockerDoes() {
        assertThat(StepResources.image("my-app")).isEqualTo(StepResources.image("my-app:latest")).isEqualTo("image:my-app:latest");
        assertThat(StepResources.image("localhost:5000/app")).isEqualTo("image:localhost:5000/app:latest");
        assertThat(StepResources.image("localhost:5000/app:2")).isEqualTo("image:localhost:5000/app:2");
        assertThat(StepResources.image("app@sha256:ab")).isEqualTo("image:app@sha256:ab");
        assertThat(StepResources.container("/web")).isEqualTo(StepResources.container("web")).isEqualTo("container:web");
        assertThat(StepResources.describe(APP)).isEqualTo("image my-app:1.0");
    }
}
