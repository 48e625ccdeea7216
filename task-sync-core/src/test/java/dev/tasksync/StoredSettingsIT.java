package dev.tasksync;

import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * What is accepted can be read back, and a step whose stored settings no longer parse (written by
 * hand with SQL, or by an older version) fails alone: one failed attempt with the reason, while the
 * task's other steps plan and run as usual.
 */
class StoredSettingsIT {
    private static final String LONG = "a".repeat(60_000);

    TaskSync ts;
    Task task;
    Step good;
    Step bad;
    Step afterBad;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new TestSteps.SleepType()).build();
        task = ts.createTask("stored");
        good = ts.createStep(task.id(), "good", "{\"sleep\": {\"millis\": 1}}");
        bad = ts.createStep(task.id(), "bad", "{\"sleep\": {\"millis\": 1}}");
        afterBad = ts.createStep(task.id(), "after bad", "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": " + bad.id() + "}]}}");
    }

    @AfterEach
    void close() {
        ts.close();
    }

    @Test
    void aPathTooLongToReadBackIsRefusedWhenWritten() {
        var e = catchThrowableOfType(() -> ts.createStep(task.id(), "long", "{\"file_exists\": \"" + LONG + "\"}"),
                InvalidSettingsException.class);
        assertThat(e.path()).isEqualTo("$.file_exists");
        assertThat(e).hasMessageContaining("60000 characters");
        assertThat(ts.steps(task.id())).hasSize(3);
    }

    @Test
    void aNumberBeyondDoubleIsRefusedWhenWritten() {
        var e = catchThrowableOfType(() -> ts.createStep(task.id(), "inf", "{\"sleep\": {\"millis\": 1, \"timeout_seconds\": 1e400}}"),
                InvalidSettingsException.class);
        assertThat(e.path()).isEqualTo("$.sleep.timeout_seconds");
        assertThat(ts.steps(task.id())).hasSize(3);
    }

    @Test
    void aStoredPathTooLongFailsOnlyItsStep() {
        store(bad, "{\"file_exists\": \"" + LONG + "\"}");
        failsAlone("60000 characters");
    }

    @Test
    void aStoredInfiniteTimeoutFailsOnlyItsStep() {
        store(bad, "{\"sleep\": {\"millis\": 1, \"timeout_seconds\": \"Infinity\"}}");
        failsAlone("$.sleep.timeout_seconds");
    }

    @Test
    void aStoredKeyBeyondTheReadLimitFailsOnlyItsStep() {
        store(bad, "{\"sleep\": {\"millis\": 1, \"" + LONG + "\": 1}}");
        assertThat(ts.step(bad.id()).type()).isEqualTo("sleep"); // still readable, to show and to fail
        failsAlone("60000 characters");
    }

    @Test
    void storedResultsBeyondTheReadLimitDoNotStopTheRun() {
        Rows.execute(ts, "UPDATE ${schema}.steps SET results = '{\"file_hashes\": {\"" + LONG + "\": \"x\"}}' WHERE id = " + good.id());
        store(bad, "{\"nope\": 1}");
        failsAlone("unknown step type 'nope'");
    }

    private void store(Step step, String json) {
        assertThat(Rows.execute(ts, "UPDATE ${schema}.steps SET settings = '" + json.replace("'", "''") + "' WHERE id = " + step.id()))
                .isEqualTo(1);
    }

    private void failsAlone(String reason) {
        Plan plan = ts.plan(task.id());
        assertThat(plan.steps()).extracting(Plan.PlannedStep::stepId).containsExactly(good.id(), bad.id(), afterBad.id());
        assertThat(plan.steps().get(1).willRun()).isTrue();
        assertThat(plan.steps().get(1).reason()).contains(reason);

        RunResult first = ts.run(task.id());
        assertThat(first.succeeded()).isFalse();
        assertThat(status(first, good)).isEqualTo(StepStatus.COMPLETED);
        assertThat(status(first, bad)).isEqualTo(StepStatus.FAILED);
        assertThat(status(first, afterBad)).isEqualTo(StepStatus.SKIPPED);
        assertThat(ts.step(bad.id()).results().path("error").asText()).contains(reason);
        assertThat(ts.history(bad.id())).hasSize(1); // one failed attempt, no retries
        assertThat(ts.history(bad.id()).get(0).error()).contains(reason);

        RunResult second = ts.run(task.id());
        assertThat(status(second, bad)).isEqualTo(StepStatus.FAILED);
        assertThat(ts.history(bad.id())).hasSize(2);
        assertThat(ts.history(good.id())).hasSize(1); // up to date: not run again
    }

    private static StepStatus status(RunResult r, Step step) {
        return r.steps().stream().filter(s -> s.stepId() == step.id()).findFirst().orElseThrow().status();
    }
}
