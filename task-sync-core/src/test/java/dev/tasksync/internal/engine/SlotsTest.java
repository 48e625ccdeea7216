package dev.tasksync.internal.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The slot and look-ahead accounting of a runner, without threads or a database. */
class SlotsTest {
    /** Records what the slots started and gave back instead of running anything. */
    static final class Recorder implements Slots.Starter {
        final List<Integer> launched = new ArrayList<>();
        final List<Integer> givenBack = new ArrayList<>();

        @Override
        public Execution track(Claim claim) {
            return new Execution(claim, Long.MAX_VALUE);
        }

        @Override
        public void launch(Execution execution) {
            launched.add(execution.stepId());
        }

        @Override
        public void giveBack(List<Execution> executions) {
            executions.forEach(e -> givenBack.add(e.stepId()));
        }
    }

    static List<Claim> claims(int... ids) {
        List<Claim> claims = new ArrayList<>();
        for (int id : ids) {
            claims.add(new Claim(id, 1, 1, null, null, null, 0));
        }
        return claims;
    }

    @Test
    void aClaimFillsItsSlotsThenQueuesAheadAndGivesBackWhatItDidNotUse() {
        Recorder r = new Recorder();
        Slots slots = new Slots(2, 2, r);
        List<Claim> kept;
        try (Slots.Reservation reserved = slots.forClaim()) {
            assertThat(reserved.held()).isEqualTo(2);
            assertThat(reserved.limit()).isEqualTo(4);
            kept = reserved.place(claims(1, 2, 3));
        }
        assertThat(kept).extracting(Claim::stepId).containsExactly(1, 2);
        assertThat(slots.free()).isZero();
        assertThat(slots.nothingQueued()).isFalse();
        // the queued step starts as soon as a slot frees; the free place ahead was given back
        slots.free(1);
        assertThat(r.launched).containsExactly(3);
        assertThat(slots.free()).isZero();
        try (Slots.Reservation none = slots.forClaim()) {
            assertThat(none.limit()).isZero(); // no free slot: a claim takes nothing, not even places ahead
        }
    }

    @Test
    void aCompletionsOwnSlotGoesToItsFirstClaimOrStaysWithIt() {
        Recorder r = new Recorder();
        Slots slots = new Slots(3, 0, r);
        try (Slots.Reservation start = slots.forClaim()) {
            start.place(claims(1, 2, 3)); // all three slots taken
        }
        assertThat(slots.free()).isZero();
        // step 1 ends, holding its slot: nothing else is free, so the completion claims for that one slot
        try (Slots.Reservation next = slots.forCompletion(true, true)) {
            assertThat(next.held()).isEqualTo(1);
            assertThat(next.limit()).isEqualTo(1);
            assertThat(next.place(claims(4))).hasSize(1);
        }
        assertThat(slots.free()).isZero(); // the own slot went to step 4
        // step 2 ends and claims nothing: its slot stays with its caller, who frees it
        try (Slots.Reservation nothing = slots.forCompletion(true, true)) {
            nothing.place(List.of());
        }
        assertThat(slots.free()).isZero();
        slots.free(1);
        assertThat(slots.free()).isEqualTo(1);
        // step 3 ends with a free slot beside its own: it may claim two, and gives back the extra one unused
        try (Slots.Reservation two = slots.forCompletion(true, true)) {
            assertThat(two.limit()).isEqualTo(2);
            two.place(claims(5));
        }
        assertThat(slots.free()).isEqualTo(1);
    }

    @Test
    void aHandedOffSlotStartsTheFirstQueuedStepAndClosedSlotsGiveTheQueueBack() {
        Recorder r = new Recorder();
        Slots slots = new Slots(1, 2, r);
        try (Slots.Reservation reserved = slots.forClaim()) {
            reserved.place(claims(1, 2, 3));
        }
        assertThat(slots.handOff().stepId()).isEqualTo(2);
        assertThat(r.launched).containsExactly(2);
        slots.close();
        assertThat(slots.handOff()).isNull();
        try (Slots.Reservation none = slots.forClaim()) {
            assertThat(none.limit()).isZero();
        }
        assertThat(slots.drainQueued()).extracting(Execution::stepId).containsExactly(3);
        // a completion's claims that land after the close are given back at once
        try (Slots.Reservation late = slots.forCompletion(false, true)) {
            assertThat(late.place(claims(7, 8))).isEmpty();
        }
        assertThat(r.givenBack).containsExactly(7, 8);
    }

    @Test
    void aQueueThatRunsDryWhileEveryPlaceIsBeingClaimedForDoublesTheLookaheadUpToItsMaximum() {
        Recorder r = new Recorder();
        Slots slots = new Slots(1, 1, 2, true, r);
        try (Slots.Reservation start = slots.forClaim()) {
            start.place(claims(1, 2)); // 1 runs, 2 waits ahead
        }
        assertThat(slots.handOff().stepId()).isEqualTo(2); // 1 ended: a step was waiting, the look-ahead is enough
        assertThat(slots.lookahead()).isEqualTo(1);
        try (Slots.Reservation inFlight = slots.forCompletion(false, true)) { // 1's recording claims for the place ahead
            assertThat(inFlight.limit()).isEqualTo(1);
            // 2 ends before that recording came back: nothing waits, and no place is free
            assertThat(slots.handOff()).isNull();
            assertThat(slots.lookahead()).isEqualTo(2);
            inFlight.place(List.of());
        }
        try (Slots.Reservation next = slots.forCompletion(true, true)) {
            assertThat(next.limit()).isEqualTo(3); // its own slot and two places ahead
            assertThat(slots.handOff()).isNull(); // dry again, with every place reserved: at its maximum, it stays
        }
        assertThat(slots.lookahead()).as("at its maximum").isEqualTo(2);
    }

    @Test
    void aQueueThatRunsDryWithPlacesFreeKeepsTheLookahead() {
        Recorder r = new Recorder();
        Slots slots = new Slots(1, 1, 8, true, r);
        try (Slots.Reservation start = slots.forClaim()) {
            start.place(claims(1)); // nothing more to claim: the place ahead stays free
        }
        assertThat(slots.handOff()).isNull(); // the task ran out of steps, not the look-ahead
        assertThat(slots.lookahead()).isEqualTo(1);
    }

    @Test
    void aWorkersLookaheadGrownOnShortStepsGoesBackWhenItIsIdle() {
        Recorder r = new Recorder();
        Slots slots = new Slots(1, 1, 8, false, r);
        try (Slots.Reservation start = slots.forClaim()) {
            start.place(claims(1)); // a worker's own claim takes no place ahead
        }
        // short steps: each ends before its predecessor's recording came back with the next, three times over
        for (int i = 0; i < 3; i++) {
            try (Slots.Reservation inFlight = slots.forCompletion(true, true)) {
                assertThat(slots.handOff()).isNull();
                inFlight.place(claims(10 + i));
            }
        }
        assertThat(slots.lookahead()).as("grown on short steps").isEqualTo(8);
        // the last step ends, its recording claims nothing: the worker has no slot in use and nothing waits
        try (Slots.Reservation last = slots.forCompletion(true, true)) {
            last.place(List.of());
        }
        assertThat(slots.lookahead()).as("still busy: its slot is not free yet").isEqualTo(8);
        slots.free(1);
        assertThat(slots.lookahead()).as("idle").isEqualTo(1);
        // the next recording of a long step claims one for its slot and one place ahead, no more
        try (Slots.Reservation start = slots.forClaim()) {
            start.place(claims(20));
        }
        try (Slots.Reservation next = slots.forCompletion(true, true)) {
            assertThat(next.limit()).isEqualTo(2);
            next.place(claims(21, 22));
        }
        assertThat(slots.handOff().stepId()).isEqualTo(22);
        assertThat(slots.nothingQueued()).isTrue();
    }

    @Test
    void aGrownLookaheadStaysWhileASlotIsInUse() {
        Recorder r = new Recorder();
        Slots slots = new Slots(2, 1, 4, false, r);
        try (Slots.Reservation start = slots.forClaim()) {
            start.place(claims(1, 2));
        }
        try (Slots.Reservation inFlight = slots.forCompletion(true, true)) {
            assertThat(slots.handOff()).isNull();
            inFlight.place(List.of());
        }
        assertThat(slots.lookahead()).isEqualTo(2);
        slots.free(1); // step 1's slot: step 2 still runs
        assertThat(slots.lookahead()).as("one slot still in use").isEqualTo(2);
        slots.free(1);
        assertThat(slots.lookahead()).as("idle").isEqualTo(1);
    }
}
