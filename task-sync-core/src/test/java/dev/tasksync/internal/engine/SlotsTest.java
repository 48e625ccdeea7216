package dev.tasksync.internal.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The slot and look-ahead accounting of a runner, without threads or a database. */
class SlotsTest {
    /** How long a step ran that ends the moment it starts: it ran start to end within any claim in flight. */
    static final long NO_TIME = 0;

    /** A clock the test moves (nanoseconds). */
    static final class Clock implements LongSupplier {
        long now = 1_000;

        @Override
        public long getAsLong() {
            return now;
        }
    }

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
        assertThat(slots.handOff(NO_TIME).stepId()).isEqualTo(2);
        assertThat(r.launched).containsExactly(2);
        slots.close();
        assertThat(slots.handOff(NO_TIME)).isNull();
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
        assertThat(slots.handOff(NO_TIME).stepId()).isEqualTo(2); // 1 ended: a step was waiting, the look-ahead is enough
        assertThat(slots.lookahead()).isEqualTo(1);
        try (Slots.Reservation inFlight = slots.forCompletion(false, true)) { // 1's recording claims for the place ahead
            assertThat(inFlight.limit()).isEqualTo(1);
            // 2 ends before that recording came back: nothing waits, and no place is free
            assertThat(slots.handOff(NO_TIME)).isNull();
            assertThat(slots.lookahead()).isEqualTo(2);
            inFlight.place(List.of());
        }
        try (Slots.Reservation next = slots.forCompletion(true, true)) {
            assertThat(next.limit()).isEqualTo(3); // its own slot and two places ahead
            assertThat(slots.handOff(NO_TIME)).isNull(); // dry again, with every place reserved: at its maximum, it stays
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
        assertThat(slots.handOff(NO_TIME)).isNull(); // the task ran out of steps, not the look-ahead
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
                assertThat(slots.handOff(NO_TIME)).isNull();
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
        assertThat(slots.handOff(NO_TIME).stepId()).isEqualTo(22);
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
            assertThat(slots.handOff(NO_TIME)).isNull();
            inFlight.place(List.of());
        }
        assertThat(slots.lookahead()).isEqualTo(2);
        slots.free(1); // step 1's slot: step 2 still runs
        assertThat(slots.lookahead()).as("one slot still in use").isEqualTo(2);
        slots.free(1);
        assertThat(slots.lookahead()).as("idle").isEqualTo(1);
    }

    /** Row 6e: four steps started together end together, each while the recordings of the ones before are in flight. */
    @Test
    void stepsThatEndTogetherDoNotGrowTheLookaheadOnEachOthersRecordings() {
        Clock clock = new Clock();
        Slots slots = new Slots(4, 4, 64, false, new Recorder(), clock);
        try (Slots.Reservation start = slots.forClaim()) {
            start.place(claims(1, 2, 3, 4)); // all four start at 1,000
        }
        clock.now = 101_000; // 100 µs later, they end one after the other
        List<Slots.Reservation> recordings = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            assertThat(slots.handOff(clock.now - 1_000)).isNull();
            recordings.add(slots.forCompletion(true, true)); // the first takes every place ahead
            clock.now++;
        }
        assertThat(slots.lookahead()).as("no step waited on a recording sent before it started").isEqualTo(4);
        recordings.forEach(Slots.Reservation::close);
        // a step that started after a claim was sent, and ended before it came back, did wait on it
        clock.now += 10;
        try (Slots.Reservation inFlight = slots.forCompletion(true, true)) {
            clock.now += 100;
            assertThat(slots.handOff(50)).isNull();
        }
        assertThat(slots.lookahead()).isEqualTo(8);
    }

    /** Row 6a: no-op steps on a loaded machine, now and then held up longer than a claim that came back at once. */
    @Test
    void aNoOpStepThatOutlastsOneQuickClaimKeepsTheGrownLookahead() {
        Clock clock = new Clock();
        Slots slots = new Slots(1, 1, 8, false, new Recorder(), clock);
        try (Slots.Reservation start = slots.forClaim()) {
            clock.now += 1_000_000;
            start.place(claims(1));
        }
        for (int i = 0; i < 3; i++) { // steps of 0.1 ms, each within a recording that takes 1 ms
            try (Slots.Reservation inFlight = slots.forCompletion(true, true)) {
                clock.now += 1_000_000;
                assertThat(slots.handOff(100_000)).isNull();
                inFlight.place(claims(10 + i));
            }
        }
        assertThat(slots.lookahead()).isEqualTo(8);
        // a claim that found nothing comes back after 50 µs, and the next no-op step was held up for 200 µs
        try (Slots.Reservation quick = slots.forCompletion(true, true)) {
            clock.now += 50_000;
            quick.place(List.of());
        }
        clock.now += 200_000;
        slots.handOff(200_000);
        assertThat(slots.lookahead()).as("the steps still run shorter than the claims take").isEqualTo(8);
        // one no-op step held up by a 50 ms pause is one of the last steps, not what they take
        clock.now += 50_000_000;
        slots.handOff(50_000_000);
        assertThat(slots.lookahead()).isEqualTo(8);
    }

    @Test
    void stepsThatRunLongerThanClaimsTakeGiveGrownPlacesBack() {
        Clock clock = new Clock();
        Slots slots = new Slots(1, 1, 8, false, new Recorder(), clock);
        try (Slots.Reservation start = slots.forClaim()) {
            start.place(claims(1));
        }
        for (int i = 0; i < 3; i++) { // short steps, each within a claim that takes 10 ns
            try (Slots.Reservation inFlight = slots.forCompletion(true, true)) {
                clock.now += 10;
                assertThat(slots.handOff(5)).isNull();
                inFlight.place(claims(10 + i));
            }
        }
        assertThat(slots.lookahead()).isEqualTo(8);
        clock.now += 1_000;
        slots.handOff(9); // shorter than the claims (10 ns): it keeps what it grew
        assertThat(slots.lookahead()).isEqualTo(8);
        // a long step ends while a claim holds every place: only free places go back
        try (Slots.Reservation inFlight = slots.forCompletion(true, true)) {
            assertThat(inFlight.limit()).isEqualTo(9);
            slots.handOff(1_000);
            assertThat(slots.lookahead()).as("every place is being claimed for").isEqualTo(8);
            clock.now += 10;
        }
        // longer than a claim: once most of the last steps ran longer than most of the last claims took, each gives
        // half of what it grew back, down to where it started
        for (int expected : new int[] {8, 8, 4, 2, 1, 1}) {
            slots.handOff(1_000);
            assertThat(slots.lookahead()).isEqualTo(expected);
        }
        try (Slots.Reservation next = slots.forCompletion(true, true)) {
            assertThat(next.limit()).as("its own slot and one place ahead").isEqualTo(2);
        }
    }
}
