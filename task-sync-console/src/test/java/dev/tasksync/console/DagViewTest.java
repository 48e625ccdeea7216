package dev.tasksync.console;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tasksync.Dependency;
import dev.tasksync.Step;
import dev.tasksync.StepProgress;
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

    @Test
    void aTenThousandStepChainCollapsesToFortyBandsSplitByStatus() {
        List<StepProgress> steps = new ArrayList<>();
        List<Dependency> deps = new ArrayList<>();
        for (int i = 1; i <= 10_000; i++) {
            steps.add(new StepProgress(i, "s" + i, "sleep", i <= 5_000 ? StepStatus.COMPLETED : StepStatus.NEW, 0, null, null));
            if (i > 1) {
                deps.add(new Dependency(i, i - 1, false, List.of()));
            }
        }
        DagView dag = DagView.collapsed(steps, deps);
        assertThat(dag.isCollapsed()).isTrue();
        assertThat(dag.nodes()).isEmpty();
        assertThat(dag.bands()).hasSize(40);
        DagView.Band first = dag.bands().get(0);
        assertThat(first.label()).isEqualTo("layers 1–250 · 250 steps");
        assertThat(first.counts()).isEqualTo("250 completed");
        assertThat(dag.bands().get(39).counts()).isEqualTo("250 new");
        assertThat(dag.bands()).allSatisfy(b -> assertThat(b.segments().stream().mapToInt(DagView.Segment::width).sum())
                .isEqualTo(b.segments().get(b.segments().size() - 1).x() + b.segments().get(b.segments().size() - 1).width()
                        - b.segments().get(0).x()));
        assertThat(dag.band(1)).isZero();
        assertThat(dag.band(10_000)).isEqualTo(39);
        assertThat(dag.bands()).allMatch(b -> b.y() + 30 <= dag.height());
    }

    @Test
    void aLayerOfManyStepsIsOneBand() {
        List<StepProgress> steps = new ArrayList<>();
        for (int i = 1; i <= 1_000; i++) {
            steps.add(new StepProgress(i, "s" + i, "sleep", i % 2 == 0 ? StepStatus.FAILED : StepStatus.ACTIVE, 1, null, null));
        }
        DagView dag = DagView.collapsed(steps, List.of());
        assertThat(dag.bands()).singleElement().satisfies(b -> {
            assertThat(b.label()).isEqualTo("layer 1 · 1000 steps");
            assertThat(b.counts()).isEqualTo("500 active, 500 failed");
        });
    }

    @Test
    void eachBandNamesItsStepsAsRangesOfIds() {
        List<StepProgress> steps = new ArrayList<>();
        List<Dependency> deps = new ArrayList<>();
        // two layers: 1-3, 5, 7 above; 4 and 6 below (each waits for the step before it)
        for (int i = 1; i <= 7; i++) {
            steps.add(new StepProgress(i, "s" + i, "sleep", StepStatus.NEW, 0, null, null));
        }
        deps.add(new Dependency(4, 3, false, List.of()));
        deps.add(new Dependency(6, 5, false, List.of()));
        for (int i = 8; i <= 700; i++) { // a third layer of 693 steps, so that the task is big
            steps.add(new StepProgress(i, "s" + i, "sleep", StepStatus.NEW, 0, null, null));
            deps.add(new Dependency(i, 4, false, List.of()));
        }
        DagView dag = DagView.collapsed(steps, deps);
        assertThat(dag.bands()).extracting(DagView.Band::ids).containsExactly("1-3,5,7", "4,6", "8-700");
    }

    private static DagView.Node node(DagView dag, int id) {
        return dag.nodes().stream().filter(n -> n.id() == id).findFirst().orElseThrow();
    }
}
