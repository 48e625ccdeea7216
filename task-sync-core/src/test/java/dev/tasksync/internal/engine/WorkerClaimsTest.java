package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tasksync.AttemptOutcome;
import dev.tasksync.StepStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
        WorkerClaims policy = new WorkerClaims(null, "w", 4);
        SlotsTest.Clock clock = new SlotsTest.Clock();
        Slots slots = slotsOf(policy, 4, clock);
        assertThat(slots.lookahead()).isEqualTo(4);
        for (int i = 0; i < 10; i++) {
            stepsEndBeforeTheirRecordingReturns(slots, clock);
        }
        // no-op steps: dozens of outcomes and claims per statement and commit, where it stayed at one per slot;
        // s21: 32 per slot, as a run's (it was 16)
        assertThat(slots.lookahead()).isEqualTo(128);
    }

    @Test
    void aWorkerRecordsWithoutItsStepThreadsWaitingAsARunDoesAndGrowsAsFarAhead() {
        // s21 (row 6d): a step thread queues its outcome and goes on; many slots still grow no further than 256
        assertThat(new WorkerClaims(null, "w", 4).recordsWithoutWaiting()).isTrue();
        assertThat(new WorkerClaims(null, "w", 4).maxLookahead()).isEqualTo(128);
        assertThat(new WorkerClaims(null, "w", 64).maxLookahead()).isEqualTo(256);
        assertThat(new WorkerClaims(null, "w", 1).maxLookahead()).isZero();
    }

    @Test
    void aOneSlotWorkerNeverClaimsAhead() {
        WorkerClaims policy = new WorkerClaims(null, "w", 1);
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
        WorkerClaims policy = new WorkerClaims(null, "w", 4);
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
        assertThat(slots.lookahead()).as("grown, and kept").isEqualTo(128);
    }

    /** Row 6e: a worker grown on no-op steps that then runs 100 ms sleeps (claims take 1 ms) holds no more than it started with. */
    @Test
    void aWorkerWhoseStepsRunLongerThanAClaimGivesBackWhatItGrew() {
        WorkerClaims policy = new WorkerClaims(null, "w", 4);
        SlotsTest.Clock clock = new SlotsTest.Clock();
        Slots slots = slotsOf(policy, 4, clock);
        for (int i = 0; i < 10; i++) {
            stepsEndBeforeTheirRecordingReturns(slots, clock);
        }
        assertThat(slots.lookahead()).isEqualTo(128);
        // the first few keep it (most of the last steps were no-ops); then each halves it, down to where it started
        for (int expected : new int[] {128, 128, 128, 128, 64, 32, 16, 8, 4, 4}) {
            clock.now += 100_000_000;
            slots.handOff(100_000_000);
            assertThat(slots.lookahead()).isEqualTo(expected);
        }
        // the next recording claims for the slots and the look-ahead it started with, leaving the rest to other workers
        try (Slots.Reservation next = slots.forCompletion(true, true)) {
            assertThat(next.limit()).isEqualTo(1 + 4);
        }
    }

    // ---- which released steps a recording claims (s15, row 6d)

    private static final int TASK = 7;

    /** A completion of {@code stepId} as StepRunner makes it: told to the policy, {@code limit} of which one slot is held. */
    private static Completer.Completion completion(WorkerClaims policy, int stepId, List<Integer> dependents, int limit) {
        Set<Integer> running = new HashSet<>();
        assertThat(policy.claimsAfter(dependents, running)).isTrue(); // a worker's recording always claims
        var outcome = new ClaimStatements.Outcome(stepId, TASK, 1, StepStatus.COMPLETED, AttemptOutcome.COMPLETED,
                JsonNodeFactory.instance.objectNode(), null, "", null, false, 0);
        return new Completer.Completion(outcome, limit, 1, dependents);
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.rangeClosed(from, to).boxed().toList();
    }

    /** The root of a fan-out of {@code n} steps (ids 1..n) was recorded: all of them released, none claimed yet. */
    private static WorkerClaims afterTheRoot(int n) {
        WorkerClaims policy = new WorkerClaims(null, "w", 4);
        Completer.Completion root = completion(policy, 0, range(1, n), 0);
        policy.committed(Set.of(TASK), Set.of(0), List.of(), (task, except) -> true);
        assertThat(root.outcome().stepId()).isZero();
        return policy;
    }

    private static List<Claim> claims(List<Integer> ids) {
        List<Claim> claims = new ArrayList<>();
        ids.forEach(id -> claims.add(new Claim(id, TASK, 1, null, null, null, 0)));
        return claims;
    }

    @Test
    void aBatchOfManyCompletionsClaimsFromTheReleasedStepsNotEveryTask() {
        WorkerClaims policy = afterTheRoot(100);
        // ten no-op steps ended during one recording's round trip, each with its slot and places ahead (7 each)
        List<Completer.Completion> batch = new ArrayList<>();
        for (int leaf = 1001; leaf <= 1010; leaf++) {
            batch.add(completion(policy, leaf, List.of(), 7));
        }
        var scope = policy.forBatch(batch, 70);
        // before, each completion took up to 16 of the 100, the last ones found none and claimed "any": so did the batch
        assertThat(scope.candidates()).as("the released steps, not a scan of every task").isNotNull();
        assertThat(scope.candidates()).as("all 100: fewer than the batch may look at").hasSize(100).startsWith(100, 99, 98);
    }

    @Test
    void stepsBeyondAFullClaimsLimitAreOfferedAgainAndTheRestForgotten() {
        WorkerClaims policy = afterTheRoot(100);
        var first = policy.forBatch(List.of(completion(policy, 1001, List.of(), 10)), 10);
        assertThat(first.candidates()).hasSize(28).startsWith(100).endsWith(73);
        // the claim took the lowest ten of them, its limit: those above may only have been beyond it
        policy.committed(Set.of(TASK), Set.of(1001), claims(range(73, 82)), (task, except) -> true);
        var second = policy.forBatch(List.of(completion(policy, 1002, List.of(), 10)), 10);
        assertThat(second.candidates()).startsWith(100, 99).contains(83, 72).doesNotContain(73, 82);
        // this one took fewer than its limit: what it did not take was not claimable, and is not offered again
        policy.committed(Set.of(TASK), Set.of(1002), claims(List.of(second.candidates()[second.candidates().length - 1])),
                (task, except) -> true);
        var third = policy.forBatch(List.of(completion(policy, 1003, List.of(), 10)), 10);
        assertThat(third.candidates()).doesNotContain(100, 83).contains(second.candidates()[second.candidates().length - 1] - 1);
    }

    @Test
    void withNothingReleasedARecordingClaimsAnyClaimableStep() {
        WorkerClaims policy = new WorkerClaims(null, "w", 4);
        var scope = policy.forBatch(List.of(completion(policy, 5, List.of(), 8)), 8);
        assertThat(scope.candidates()).isNull();
    }

    // ---- what other workers' wake-ups named (rows 6b, 6c)

    @Test
    void theLoopsClaimTakesTheStepsAnotherWorkersWakeUpNamedNotAnyClaimableStep() {
        WorkerClaims policy = new WorkerClaims(null, "w", 4);
        assertThat(policy.scan().candidates()).as("nothing named yet: any claimable step").isNull();
        assertThat(policy.hint("10-29,40 other")).as("it wakes the worker").isTrue();
        var scope = policy.scan();
        // from a random one of them down: 16 of the 21 (enough for every slot and some that turn out not runnable)
        assertThat(scope.candidates()).hasSize(ClaimPolicy.maxCandidates(4)).doesNotHaveDuplicates()
                .allMatch(id -> id >= 10 && id <= 29 || id == 40);
        assertThat(policy.remembered()).isEqualTo(21 - 16);
    }

    @Test
    void aWakeUpOfTheWorkersOwnOrOneThatNamesNoStepsAddsNothing() {
        WorkerClaims policy = new WorkerClaims(null, "w", 4);
        assertThat(policy.hint("1-100 w")).as("its own: it knows those steps, and need not wake").isFalse();
        assertThat(policy.hint("")).as("a submit's: wakes it").isTrue();
        assertThat(policy.hint("fence")).isTrue();
        assertThat(policy.hint("x-y other")).isTrue();
        assertThat(policy.remembered()).isZero();
        assertThat(policy.scan().candidates()).isNull();
        // a wake-up names at most the first 800 characters of its sender (a payload has at most 8,000 bytes)
        WorkerClaims longId = new WorkerClaims(null, "é".repeat(900), 4);
        assertThat(longId.hint("1-100 " + "é".repeat(800))).isFalse();
        assertThat(longId.remembered()).isZero();
    }

    @Test
    void aHintedClaimThatTookNoneSaysSoAndOneThatTookSomeKeepsTheCandidatesAboveWhatItTook() {
        WorkerClaims policy = new WorkerClaims(null, "w", 4);
        policy.hint("1-16 other");
        Integer[] candidates = policy.scan().candidates();
        assertThat(candidates).hasSize(16);
        assertThat(policy.scanned(List.of())).as("none claimable any more: claim again at once").isTrue();
        assertThat(policy.remembered()).as("all forgotten").isZero();
        assertThat(policy.scanned(List.of())).as("not claimed by hints").isFalse();

        policy.hint("1-16 other");
        policy.scan();
        assertThat(policy.scanned(claims(List.of(5, 6, 7, 8)))).isFalse();
        assertThat(policy.remembered()).as("9..16: maybe beyond its limit").isEqualTo(8);
        assertThat(policy.scan().candidates()).containsExactlyInAnyOrder(9, 10, 11, 12, 13, 14, 15, 16);
    }

    @Test
    void hintedClaimsThatFindNoneInARowSkipFurtherEachTime() {
        WorkerClaims policy = new WorkerClaims(null, "w", 4);
        policy.hint("1-1000 other");
        int[] left = {1000 - 32, 1000 - 32 - 64, 1000 - 32 - 64 - 128};
        for (int expected : left) {
            policy.scan();
            assertThat(policy.scanned(List.of())).isTrue();
            assertThat(policy.remembered()).isEqualTo(expected);
        }
        // one that takes something starts again from one claim's worth
        policy.scan();
        policy.scanned(claims(List.of(1)));
        policy.scan();
        policy.scanned(List.of());
        assertThat(policy.remembered()).isLessThan(left[2] - 16).isGreaterThanOrEqualTo(left[2] - 16 - 16 - 16);
    }
}
