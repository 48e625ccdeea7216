package dev.tasksync.internal.engine;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** How far a worker claims ahead of its slots (issue 16, row 6d), without threads or a database. */
class WorkerClaimsTest {
    /** A worker's slots, as its StepRunner builds them from its policy. */
    private static Slots slotsOf(WorkerClaims policy, int concurrency, SlotsTest.Clock clock) {
        Slots slots = new Slots(concurrency, policy.lookahead(), policy.maxLookahead(), policy.scansAhead(), new SlotsTest.Recorder(),
                clock);
        // every slot runs a step (an idle worker's look-ahead goes back to where it started)
        try (Slots.Reservation start = slots.forClaim()) {
            start.place(SlotsTest.claims(IntStream.rangeClosed(1, concurrency).toArray()));
        }
        return slots;
    }

    /** One round of steps that end before the recording that claims their successors comes back (a claim takes 1 ms). */
    private static void stepsEndBeforeTheirRecordingReturns(Slots slots, SlotsTest.Clock clock) {
        try (Slots.Reservation inFlight = slots.forCompletion(true, true)) {
            clock.now += 1_000_000;
            slots.handOff(500_000); // it started after that claim was sent: nothing waits ahead, every place is claimed for
            inFlight.place(List.of());
        }
    }

    @Test
    void aWorkerWhoseStepsEndFasterThanTheirRecordingClaimsFurtherAhead() {
        WorkerClaims policy = new WorkerClaims(null, 4);
        SlotsTest.Clock clock = new SlotsTest.Clock();
        Slots slots = slotsOf(policy, 4, clock);
        assertThat(slots.lookahead()).isEqualTo(4);
        for (int i = 0; i < 10; i++) {
            stepsEndBeforeTheirRecordingReturns(slots, clock);
        }
        // no-op steps: dozens of outcomes and claims per statement and commit, where it stayed at one per slot
        assertThat(slots.lookahead()).isEqualTo(64);
    }

    @Test
    void aOneSlotWorkerNeverClaimsAhead() {
        WorkerClaims policy = new WorkerClaims(null, 1);
        SlotsTest.Clock clock = new SlotsTest.Clock();
        Slots slots = slotsOf(policy, 1, clock);
        for (int i = 0; i < 10; i++) {
            stepsEndBeforeTheirRecordingReturns(slots, clock);
        }
        assertThat(slots.lookahead()).as("its steps stay one after another").isZero();
    }

    /**
     * Row 6a: a worker of no-op steps (0.5 ms) whose recordings take 1 ms, but one claim in three comes back in 50 µs
     * (it found nothing), and the step that ends next ran 200 µs: longer than that claim, not than claims.
     */
    @Test
    void aWorkerOfNoOpStepsKeepsItsLookaheadThoughSomeClaimsComeBackQuicker() {
        WorkerClaims policy = new WorkerClaims(null, 4);
        SlotsTest.Clock clock = new SlotsTest.Clock();
        Slots slots = slotsOf(policy, 4, clock);
        for (int i = 0; i < 6; i++) {
            stepsEndBeforeTheirRecordingReturns(slots, clock);
            stepsEndBeforeTheirRecordingReturns(slots, clock);
            try (Slots.Reservation quick = slots.forCompletion(true, true)) {
                clock.now += 50_000;
                quick.place(List.of());
            }
            clock.now += 200_000;
            slots.handOff(200_000);
        }
        assertThat(slots.lookahead()).as("grown, and kept").isEqualTo(64);
    }

    /** Row 6e: a worker grown on no-op steps that then runs 100 ms sleeps (claims take 1 ms) holds no more than it started with. */
    @Test
    void aWorkerWhoseStepsRunLongerThanAClaimGivesBackWhatItGrew() {
        WorkerClaims policy = new WorkerClaims(null, 4);
        SlotsTest.Clock clock = new SlotsTest.Clock();
        Slots slots = slotsOf(policy, 4, clock);
        for (int i = 0; i < 10; i++) {
            stepsEndBeforeTheirRecordingReturns(slots, clock);
        }
        assertThat(slots.lookahead()).isEqualTo(64);
        // the first few keep it (most of the last steps were no-ops); then each halves it, down to where it started
        for (int expected : new int[] {64, 64, 64, 64, 32, 16, 8, 4, 4}) {
            clock.now += 100_000_000;
            slots.handOff(100_000_000);
            assertThat(slots.lookahead()).isEqualTo(expected);
        }
        // the next recording claims for the slots and the look-ahead it started with, leaving the rest to other workers
        try (Slots.Reservation next = slots.forCompletion(true, true)) {
            assertThat(next.limit()).isEqualTo(1 + 4);
        }
    }
}
