package dev.tasksync.internal.engine;

import dev.tasksync.NotFoundException;
import dev.tasksync.RunOptions;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The planner reads a task and its steps with one statement by JDBC ({@code plan.sql}), not through jOOQ's records:
 * what it reads must be what every other reader of the store gets ({@link TaskSync#task}, {@link TaskSync#steps}),
 * column for column, before and after a run, with the fingerprints the submit stored.
 */
class PlannerLoadIT {
    TaskSync ts;
    Engine engine;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new TestSteps.SleepType(), new TestSteps.FailType()).build();
        engine = EngineOf.of(ts);
    }

    @AfterEach
    void close() {
        ts.close();
    }

    @Test
    void theTaskAndStepsThePlannerReadsAreTheStoresBeforeAndAfterARun() {
        Task task = ts.createTask("load-" + UUID.randomUUID());
        Step a = ts.createStep(task.id(), "a", "{\"sleep\": {\"millis\": 0}}");
        ts.createStep(task.id(), "b", "{\"sleep\": {\"millis\": 0, \"depends_on\": [{\"id\": " + a.id() + "}]}}");
        ts.createStep(task.id(), "fails", "{\"fail\": {\"message\": \"no\"}}");
        Step never = ts.createStep(task.id(), "never", "{\"sleep\": {\"millis\": 0, \"depends_on\": [{\"id\": "
                + (a.id() + 2) + "}]}}");

        assertSameAsStore(task.id());

        ts.run(task.id(), RunOptions.defaults().withConcurrency(2));
        List<Step> after = ts.steps(task.id());
        assertThat(after).extracting(Step::status).containsExactly(StepStatus.COMPLETED, StepStatus.COMPLETED,
                StepStatus.FAILED, StepStatus.SKIPPED);
        assertThat(after.get(0).startedAt()).isNotNull();
        assertThat(after.get(0).finishedAt()).isNotNull();
        assertThat(after.stream().filter(s -> s.id() == never.id()).findFirst().orElseThrow().attempt()).isZero();
        assertSameAsStore(task.id());

        Planner.Loaded loaded = engine.load(task.id());
        Map<Integer, String> fingerprints = engine.dsl().select(STEPS.ID, STEPS.FINGERPRINT).from(STEPS)
                .where(STEPS.TASK_ID.eq(task.id())).fetch().stream()
                .filter(r -> r.value2() != null).collect(Collectors.toMap(r -> r.value1(), r -> r.value2()));
        assertThat(fingerprints).isNotEmpty();
        assertThat(loaded.storedFingerprints()).containsAllEntriesOf(fingerprints);
        assertThat(loaded.storedFingerprints()).hasSize(4);
    }

    @Test
    void aTaskWithoutStepsLoadsEmptyAndAMissingTaskIsNotFound() {
        Task task = ts.createTask("empty-" + UUID.randomUUID());
        Planner.Loaded loaded = engine.load(task.id());
        assertThat(loaded.task()).isEqualTo(ts.task(task.id()));
        assertThat(loaded.steps()).isEmpty();

        assertThatThrownBy(() -> engine.load(Integer.MAX_VALUE)).isInstanceOf(NotFoundException.class)
                .hasMessageContaining(Integer.toString(Integer.MAX_VALUE));
    }

    private void assertSameAsStore(int taskId) {
        Planner.Loaded loaded = engine.load(taskId);
        assertThat(loaded.task()).isEqualTo(ts.task(taskId));
        assertThat(List.copyOf(loaded.steps().values())).containsExactlyElementsOf(ts.steps(taskId));
    }
}
