package dev.tasksync.internal.engine;

import dev.tasksync.AttemptOutcome;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.graph.StepGraph;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.types.ExecutionPolicy;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** An in-process run's readiness and the outcome a step's end maps to: logic without I/O. */
class ReadySetTest {
    /** 1 and 2 first; 3 waits for both; 4 for 3; 5 for 1 but is not part of the run. */
    static final TaskGraph GRAPH = new TaskGraph(7, "t", Path.of("."),
            StepGraph.of(Map.of(1, List.of(), 2, List.of(), 3, List.of(1, 2), 4, List.of(3), 5, List.of(1)), String::valueOf),
            Map.of(1, "a", 2, "b", 3, "c", 4, "d", 5, "e"), Map.of());

    @Test
    void aStepIsReadyOnceEveryDependencyOfTheRunCompletedHere() {
        ReadySet ready = new ReadySet(List.of(1, 2, 3, 4), GRAPH);
        assertThat(ready.candidates(10, Set.of())).containsExactly(1, 2);
        assertThat(ready.candidates(10, Set.of(1))).containsExactly(2); // running ones are not candidates
        assertThat(ready.candidates(1, Set.of())).containsExactly(1);
        ready.completed(GRAPH, 1);
        assertThat(ready.candidates(10, Set.of())).containsExactly(2);
        ready.completed(GRAPH, 2);
        assertThat(ready.candidates(10, Set.of())).containsExactly(3);
        assertThat(ready.onlyLeft(3)).isFalse(); // 4 still waits
        ready.completed(GRAPH, 3);
        assertThat(ready.onlyLeft(4)).isTrue();
        ready.gaveUp(4);
        assertThat(ready.expecting()).isFalse();
    }

    @Test
    void stepsOutsideTheRunCountAsCompleted() {
        ReadySet ready = new ReadySet(List.of(3, 4), GRAPH); // 1 and 2 were up to date
        assertThat(ready.candidates(10, Set.of())).containsExactly(3);
        assertThat(ready.expecting()).isTrue();
    }

    static Claim attempt(int n) {
        return new Claim(3, 7, n, null, null, null, 0);
    }

    @Test
    void aStopsReasonAndTheRetryPolicyGiveTheRecordedOutcome() {
        ExecutionPolicy twoRetries = new ExecutionPolicy(2, Duration.ofSeconds(2), null);
        var done = StepExecution.outcomeOf(attempt(1), true, null, Store.JSON.createObjectNode(), null, "", twoRetries, 0);
        assertThat(done.status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(done.runOutcome()).isEqualTo(AttemptOutcome.COMPLETED);

        var retried = StepExecution.outcomeOf(attempt(2), false, Stop.TIMED_OUT, Store.JSON.createObjectNode(), "x", "", twoRetries, 0);
        assertThat(retried.status()).isEqualTo(StepStatus.NEW);
        assertThat(retried.runOutcome()).isEqualTo(AttemptOutcome.TIMED_OUT);
        assertThat(retried.retryAfterMillis()).isEqualTo(twoRetries.backoffAfter(2).toMillis());
        assertThat(retried.results().path("retrying").path("next_attempt").asInt()).isEqualTo(3);
        assertThat(retried.clearFingerprint()).isFalse();

        var failed = StepExecution.outcomeOf(attempt(3), false, null, Store.JSON.createObjectNode(), "x", "", twoRetries, 0);
        assertThat(failed.status()).isEqualTo(StepStatus.FAILED);
        assertThat(failed.retryAfterMillis()).isNull();
        assertThat(failed.clearFingerprint()).isTrue();

        var cancelled = StepExecution.outcomeOf(attempt(1), false, Stop.CANCELLED, Store.JSON.createObjectNode(), "x", "", twoRetries, 0);
        assertThat(cancelled.status()).isEqualTo(StepStatus.CANCELLED); // a cancel is never retried
        assertThat(cancelled.runOutcome()).isEqualTo(AttemptOutcome.CANCELLED);
    }
}
