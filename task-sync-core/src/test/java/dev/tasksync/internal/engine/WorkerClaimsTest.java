package dev.tasksync.internal.engine;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** How far a worker claims ahead of its slots (issue 16, row 6d), without threads or a database. */
class WorkerClaimsTest {
    /** A worker's slots, as its StepRunner builds them from its policy. */
    private static Slots slotsOf(WorkerClaims policy, int concurrency) {
        Slots slots = new Slots(concurrency, policy.lookahead(), policy.maxLookahead(), policy.scansAhead(), new SlotsTest.Recorder());
        // every slot runs a step (an idle worker's look-ahead goes back to where it started)
        try (Slots.Reservation start = slots.forClaim()) {
            start.place(SlotsTest.claims(IntStream.rangeClosed(1, concurrency).toArray()));
        }
        return slots;
    }

    /** One round of steps that end before the recording that claims their successors comes back. */
    private static void stepsEndBeforeTheirRecordingReturns(Slots slots) {
        try (Slots.Reservation inFlight = slots.forCompletion(true, true)) {
            slots.handOff(); // nothing waits ahead, and every place is being claimed for
            inFlight.place(List.of());
        }
    }

    @Test
    void aWorkerWhoseStepsEndFasterThanTheirRecordingClaimsFurtherAhead() {
        WorkerClaims policy = new WorkerClaims(null, 4);
        Slots slots = slotsOf(policy, 4);
        assertThat(slots.lookahead()).isEqualTo(4);
        for (int i = 0; i < 10; i++) {
            stepsEndBeforeTheirRecordingReturns(slots);
        }
        // no-op steps: dozens of outcomes and claims per statement and commit, where it stayed at one per slot
        assertThat(slots.lookahead()).isEqualTo(64);
    }

    @Test
    void aOneSlotWorkerNeverClaimsAhead() {
        WorkerClaims policy = new WorkerClaims(null, 1);
        Slots slots = slotsOf(policy, 1);
        for (int i = 0; i < 10; i++) {
            stepsEndBeforeTheirRecordingReturns(slots);
        }
        assertThat(slots.lookahead()).as("its steps stay one after another").isZero();
    }
}
