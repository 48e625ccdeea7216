package dev.tasksync.console;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tasksync.Dependency;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.console.DagView;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Collections;

import static org.assertj.core.api.Assertions.assertThat;

class DagViewTest {
    private static Step step(int id, StepStatus status, Integer... deps) {
        return new Step(id, 1, "step " + id, status, "sleep", JsonNodeFactory.instance.objectNode(), null, List.of(deps),
                0, null, null, null, null);
    }

    @Test
    void aStepSitsOneLayerBelowTheDeepestStepItWaitsForAndImplicitEdgesAreMarked() {
        List<Step> steps = List.of(step(1, StepStatus.COMPLETED), step(2, StepStatus.ACTIVE, 1), step(3, StepStatus.NEW, 1, 2),
                step(4, StepStatus.NEW));
        List<Dependency> deps = List.of(new Dependency(2, 1, false, List.of()), new Dependency(3, 1, false, List.of()),
                new Dependency(3, 2, true, List.of("image:app")));
        DagView dag = DagView.of(steps, deps);
        assertThat(dag.nodes()).hasSize(4);
        int y1 = node(dag, 1).y();
        assertThat(node(dag, 4).y()).isEqualTo(y1);
        assertThat(node(dag, 2).y()).isGreaterThan(y1);
        assertThat(node(dag, 3).y()).isGreaterThan(node(dag, 2).y());
        assertThat(node(dag, 2).status()).isEqualTo("active");
        assertThat(dag.edges()).filteredOn(DagView.Edge::implicit).singleElement()
                .satisfies(e -> assertThat(e.label()).isEqualTo("image:app"));
        assertThat(dag.nodes()).allMatch(n -> n.x() + n.width() <= dag.width() && n.y() + n.height() <= dag.height());
    }

    @Test
    void aTenThousandStepChainIsLaidOutWithoutRecursion() {
        List<Step> steps = new ArrayList<>();
        List<Dependency> deps = new ArrayList<>();
        for (int i = 1; i <= 10_000; i++) {
            steps.add(i == 1 ? step(i, StepStatus.NEW) : step(i, StepStatus.NEW, i - 1));
            if (i > 1) {
                deps.add(new Dependency(i, i - 1, false, List.of()));
            }
        }
        // listed last first, so the layering has to walk the whole chain up from one step
        Collections.reverse(steps);
        DagView dag = DagView.of(steps, deps);
        assertThat(node(dag, 10_000).y()).isGreaterThan(node(dag, 9_999).y());
        assertThat(dag.edges()).hasSize(9_999);
    }

    private static DagView.Node node(DagView dag, int id) {
        return dag.nodes().stream().filter(n -> n.id() == id).findFirst().orElseThrow();
    }
}
