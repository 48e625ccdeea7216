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
        assertThat(ready.candidates(10)).containsExactly(1, 2);
        assertThat(ready.candidates(1)).containsExactly(1);
        ready.completed(GRAPH, 1);
        assertThat(ready.candidates(10)).containsExactly(2);
        ready.completed(GRAPH, 2);
        assertThat(ready.candidates(10)).containsExactly(3);
        assertThat(ready.onlyLeft(3)).isFalse(); // 4 still waits
        ready.completed(GRAPH, 3);
        assertThat(ready.onlyLeft(4)).isTrue();
        ready.gaveUp(4);
        assertThat(ready.expecting()).isFalse();
    }

    @Test
    void stepsOutsideTheRunCountAsCompleted() {
        ReadySet ready = new ReadySet(List.of(3, 4), GRAPH); // 1 and 2 were up to date
        assertThat(ready.candidates(10)).containsExactly(3);
        assertThat(ready.expecting()).isTrue();
    }

    /** 20 independent steps, 0..19, as in a fan-out. */
    static final TaskGraph FAN = new TaskGraph(8, "fan", Path.of("."),
            StepGraph.of(java.util.stream.IntStream.range(0, 20).boxed()
                    .collect(java.util.stream.Collectors.toMap(i -> i, i -> List.<Integer>of())), String::valueOf),
            Map.of(), Map.of());

    @Test
    void stepsTheRunHoldsAreNoCandidatesAndTheFirstOthersComeAtOnce() {
        ReadySet ready = new ReadySet(java.util.stream.IntStream.range(0, 20).boxed().toList(), FAN);
        for (int i = 0; i < 12; i++) {
            ready.claimed(i);
        }
        // the first 12 are held: the next candidates are the 3 after them, however many are held before
        assertThat(ready.candidates(3)).containsExactly(12, 13, 14);
        assertThat(ready.anyReady()).isTrue();
        ready.completed(FAN, 0);
        assertThat(ready.candidates(3)).containsExactly(12, 13, 14);
        for (int i = 12; i < 20; i++) {
            ready.claimed(i);
        }
        assertThat(ready.anyReady()).as("all ready steps are held").isFalse();
        assertThat(ready.expecting()).as("held steps are still to record").isTrue();
        assertThat(ready.candidates(10)).isEmpty();
    }

    @Test
    void aClaimThatEndsWithoutCompletingItsStepMakesItACandidateAgain() {
        ReadySet ready = new ReadySet(List.of(1, 2, 3, 4), GRAPH);
        ready.claimed(1);
        ready.claimed(2);
        assertThat(ready.candidates(10)).isEmpty();
        ready.released(2); // given back, its lease lost, or a retry due
        assertThat(ready.candidates(10)).containsExactly(2);
        ready.released(2); // released twice (given back after a retry was recorded): still one candidate
        assertThat(ready.candidates(10)).containsExactly(2);
        ready.gaveUp(1);
        assertThat(ready.candidates(10)).containsExactly(2);
    }

    @Test
    void aStepClaimedWithTheOutcomeThatReleasesItIsNoCandidate() {
        ReadySet ready = new ReadySet(List.of(1, 2, 3, 4), GRAPH);
        ready.claimed(1);
        ready.claimed(2);
        ready.completed(GRAPH, 1);
        ready.claimed(3); // claimed in the statement that records 2, before the run hears of 2's completion
        ready.completed(GRAPH, 2);
        assertThat(ready.candidates(10)).as("3 is held, 4 waits for it").isEmpty();
        assertThat(ready.onlyLeft(3)).isFalse(); // 4 still waits
        ready.completed(GRAPH, 3);
        assertThat(ready.candidates(10)).containsExactly(4);
        assertThat(ready.onlyLeft(4)).isTrue();
    }

    @Test
    void aStepThatCompletesBeforeTheOutcomeThatReleasedItIsHeardOfNeverTurnsReady() {
        ReadySet ready = new ReadySet(List.of(3, 4), GRAPH);
        ready.claimed(3);
        ready.claimed(4); // claimed with 3's outcome
        ready.completed(GRAPH, 4); // ran on another thread and recorded before 3's thread went on
        ready.completed(GRAPH, 3);
        assertThat(ready.candidates(10)).isEmpty();
        assertThat(ready.expecting()).isFalse();
    }

    @Test
    void aHeldStepCountsAsLeftToRun() {
        ReadySet ready = new ReadySet(List.of(1, 2), GRAPH);
        ready.claimed(1);
        ready.claimed(2);
        assertThat(ready.onlyLeft(1)).as("2 is held, not recorded").isFalse();
        ready.completed(GRAPH, 2);
        assertThat(ready.onlyLeft(1)).isTrue();
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
