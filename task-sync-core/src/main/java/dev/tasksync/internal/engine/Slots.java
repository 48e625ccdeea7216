package dev.tasksync.internal.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A runner's execution slots, and the places ahead of them: steps claimed ahead wait in a queue whose
 * capacity is the look-ahead, and start as soon as a slot frees. A claim reserves what it may fill before
 * it is sent ({@link Reservation}), so that concurrent claimers never overbook, and gives back what it
 * did not fill when it is done.
 *
 * <p>Invariant: free slots + executions started and not yet done with their slot = concurrency; free
 * places + queued executions + places reserved by claims in flight = look-ahead.
 *
 * <p>The look-ahead may grow, up to {@code maxLookahead}: when a step ends and finds the queue empty though every
 * place is taken by claims still in flight, and one of those claims was sent before the step started, the step ran
 * start to end within one recording's round trip: steps end faster than a recording comes back with the next ones.
 * The look-ahead then doubles, so that each recording (one statement and one commit) carries more outcomes and claims.
 * A claim sent after the step started proves nothing (row 6e): four 100 ms steps that end together each found
 * the places taken by the recordings of the ones that ended a moment before, and doubled the look-ahead 4 to 32
 * though no step had waited on a recording. When the runner's steps run longer than its claims take, a step that ends
 * gives grown places back (the look-ahead halves toward where it started, as far as places are free): long steps need
 * no more places ahead than slots, and places they hold keep steps from other workers. Both are the median of the
 * last {@link #RECENT}: compared one step with the last claim, a no-op step that a loaded machine held up for a
 * moment outlasted a claim that found nothing, and halved the look-ahead of a worker of no-op steps. A runner whose
 * look-ahead cannot grow (an in-process run's) keeps none of these times. When the runner goes idle (every slot free,
 * nothing queued, no place reserved) the look-ahead goes back to where it
 * started: a look-ahead grown on short steps would otherwise let the first recording of long ones take most of them,
 * leaving nothing for the other workers.
 */
final class Slots {
    /** How the runner tracks and starts what its claims took. */
    interface Starter {
        /** Tracks a claim as an execution of this runner (so that heartbeats keep its lease). */
        Execution track(Claim claim);

        /** Starts an execution that holds a slot. */
        void launch(Execution execution);

        /** Gives back executions claimed ahead that will not start: the runner stopped taking work. */
        void giveBack(List<Execution> executions);
    }

    private final int concurrency;
    private final AtomicInteger lookahead;
    /** The look-ahead it starts with, and goes back to when idle. */
    private final int baseLookahead;
    private final int maxLookahead;
    /** Whether the look-ahead may grow (a worker's): only then are run and claim times kept and compared. */
    private final boolean adapts;
    /** Whether the runner's own claims ({@link #forClaim}) take places ahead, or only those that go with an outcome. */
    private final boolean scanAhead;
    private final Starter starter;
    private final AtomicInteger free;
    private final AtomicInteger room;
    /** Claimed ahead, not started yet. */
    private final ConcurrentLinkedQueue<Execution> queued = new ConcurrentLinkedQueue<>();
    /** False once the runner stops taking work (shutdown, or the run ended or was interrupted). */
    private volatile boolean open = true;
    /** System.nanoTime(), or a test's clock. */
    private final LongSupplier clock;
    /** Claims sent and not come back that hold places ahead. */
    private final Set<Reservation> inFlight = ConcurrentHashMap.newKeySet();
    /** How many of the last steps' run times, and of the last claims' round trips, give the medians compared. */
    static final int RECENT = 9;
    /** How long the last steps ran, in nanoseconds. */
    private final RecentNanos recentRuns = new RecentNanos(RECENT);
    /** How long the last claims took, from their reservation to their close, in nanoseconds. */
    private final RecentNanos recentClaims = new RecentNanos(RECENT);

    Slots(int concurrency, int lookahead, Starter starter) {
        this(concurrency, lookahead, lookahead, true, starter);
    }

    Slots(int concurrency, int lookahead, int maxLookahead, boolean scanAhead, Starter starter) {
        this(concurrency, lookahead, maxLookahead, scanAhead, starter, System::nanoTime);
    }

    Slots(int concurrency, int lookahead, int maxLookahead, boolean scanAhead, Starter starter, LongSupplier clock) {
        this.clock = clock;
        this.concurrency = concurrency;
        this.lookahead = new AtomicInteger(lookahead);
        this.baseLookahead = lookahead;
        this.maxLookahead = Math.max(lookahead, maxLookahead);
        this.adapts = this.maxLookahead > lookahead;
        this.scanAhead = scanAhead;
        this.starter = starter;
        this.free = new AtomicInteger(concurrency);
        this.room = new AtomicInteger(lookahead);
    }

    boolean open() {
        return open;
    }

    /** Takes no more work: nothing more is reserved, and queued steps no longer start. */
    void close() {
        open = false;
    }

    int free() {
        return free.get();
    }

    /** How many steps may be claimed ahead of the slots now. */
    int lookahead() {
        return lookahead.get();
    }

    boolean nothingQueued() {
        return queued.isEmpty();
    }

    /** For a claim of the runner's own: every free slot (none: claim nothing), and the places ahead if it scans ahead. */
    Reservation forClaim() {
        int slots = open ? take(free, concurrency) : 0;
        return slots == 0 ? new Reservation(0, 0, 0, false)
                : new Reservation(0, slots, scanAhead ? take(room, lookahead.get()) : 0, true);
    }

    /**
     * For a claim that goes with a step's outcome: {@code ownSlot} when the ended step still holds its
     * slot (else it was handed on), the other free slots and the places ahead, when it claims at all.
     */
    Reservation forCompletion(boolean ownSlot, boolean claims) {
        int own = ownSlot ? 1 : 0;
        return claims ? new Reservation(own, take(free, concurrency - own), take(room, lookahead.get()), true)
                : new Reservation(own, 0, 0, false);
    }

    /** Gives slots back, and starts steps claimed ahead on them; when nothing is left, the look-ahead shrinks back. */
    void free(int n) {
        if (n > 0) {
            free.addAndGet(n);
        }
        pump();
        if (n > 0) {
            shrinkWhenIdle();
        }
    }

    /**
     * Takes back the places the look-ahead grew by, when no slot is in use, nothing waits and no claim holds a place.
     * Places are taken from the free ones and the look-ahead lowered by as many, so the invariant holds even when a
     * claim reserves meanwhile; if the look-ahead changed meanwhile (it grew), the places go back.
     */
    private void shrinkWhenIdle() {
        int now = lookahead.get();
        if (now <= baseLookahead || free.get() != concurrency || !queued.isEmpty() || room.get() != now) {
            return;
        }
        int excess = now - baseLookahead;
        int took = take(room, excess);
        if (took != excess || !lookahead.compareAndSet(now, baseLookahead)) {
            room.addAndGet(took);
        }
    }

    /**
     * A step ended, after running {@code ranNanos}: its slot goes to a step claimed ahead, if there is one, which is
     * returned, started. The look-ahead grows when the step waited on a recording, and shrinks when the last steps
     * outlasted the last claims (medians: see the class comment).
     */
    Execution handOff(long ranNanos) {
        return handOff(ranNanos, true);
    }

    /**
     * As {@link #handOff(long)}; with {@code launch} false the step claimed ahead is returned unstarted, for
     * the caller's thread to go on with (it holds the slot now): no other thread is woken for it.
     */
    Execution handOff(long ranNanos, boolean launch) {
        Execution next = open ? queued.poll() : null;
        if (next != null) {
            room.incrementAndGet();
            if (launch) {
                starter.launch(next);
            }
        }
        if (!adapts) {
            return next;
        }
        recentRuns.add(ranNanos);
        if (next == null && open && room.get() == 0 && claimSentBefore(clock.getAsLong() - ranNanos)) {
            grow(); // the queue ran dry while every place was still being claimed for, since before this step started
            return null;
        }
        if (lookahead.get() > baseLookahead && stepsOutlastClaims()) {
            giveBackGrown();
        }
        return next;
    }

    /** Whether the last steps ran longer than the last claims took (medians); not before a claim came back. */
    private boolean stepsOutlastClaims() {
        long claims = recentClaims.median();
        return claims >= 0 && recentRuns.median() > claims;
    }

    /** Whether a claim that holds places ahead was sent by {@code nanos} (before, or as the step started) and has not come back. */
    private boolean claimSentBefore(long nanos) {
        for (Reservation r : inFlight) {
            if (r.sentAt - nanos <= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Halves the look-ahead toward where it started, taking back only free places: the invariant holds whatever
     * claims reserve meanwhile; if the look-ahead changed meanwhile, the places go back.
     */
    private void giveBackGrown() {
        int now = lookahead.get();
        if (now <= baseLookahead) {
            return;
        }
        int took = take(room, now - Math.max(baseLookahead, now / 2));
        if (took > 0 && !lookahead.compareAndSet(now, now - took)) {
            room.addAndGet(took);
        }
    }

    /** Doubles the look-ahead, up to its maximum; the new places are free. */
    private void grow() {
        int now = lookahead.get();
        int next = Math.min(maxLookahead, Math.max(1, now * 2));
        if (next > now && lookahead.compareAndSet(now, next)) {
            room.addAndGet(next - now);
        }
    }

    /** Takes the steps claimed ahead that have not started, to give them back. */
    List<Execution> drainQueued() {
        List<Execution> drained = new ArrayList<>();
        for (Execution e; (e = queued.poll()) != null; ) {
            room.incrementAndGet();
            drained.add(e);
        }
        return drained;
    }

    /** Starts steps claimed ahead while slots are free. Whoever frees a slot or queues a step calls it. */
    private void pump() {
        while (open && !queued.isEmpty() && take(free, 1) == 1) {
            Execution e = queued.poll();
            if (e == null) {
                free.incrementAndGet(); // taken meanwhile; look again
                continue;
            }
            room.incrementAndGet();
            starter.launch(e);
        }
    }

    private static int take(AtomicInteger counter, int wanted) {
        while (true) {
            int left = counter.get();
            int take = Math.min(left, wanted);
            if (take <= 0 || counter.compareAndSet(left, left - take)) {
                return Math.max(0, take);
            }
        }
    }

    /**
     * What one claim may fill: {@code own}, the slot its caller holds already (the step that just ended); {@code
     * extra}, free slots it took; {@code ahead}, places in the queue. Closing it gives back what its claims did not
     * use; the caller's own slot stays with the caller when no claim took it.
     */
    final class Reservation implements AutoCloseable {
        private final int own;
        private final int extra;
        private final int ahead;
        private final boolean claims;
        private int kept;
        private int queuedHere;
        /** When the claim was about to be sent. */
        private final long sentAt;

        private Reservation(int own, int extra, int ahead, boolean claims) {
            this.own = own;
            this.extra = extra;
            this.ahead = ahead;
            this.claims = claims;
            this.sentAt = claims && adapts ? clock.getAsLong() : 0;
            if (ahead > 0 && adapts) {
                inFlight.add(this);
            }
        }

        /** Claims to start at once: one per slot held. */
        int held() {
            return own + extra;
        }

        /** How many steps the claim may take; 0 when it claims nothing. */
        int limit() {
            return claims ? own + extra + ahead : 0;
        }

        /** Splits what was claimed: the first, one per slot held, are the caller's to start; the rest are queued. */
        List<Claim> place(List<Claim> claims) {
            int held = held();
            if (claims.size() <= held) {
                kept = claims.size();
                return claims;
            }
            long now = System.nanoTime();
            for (Claim c : claims.subList(held, claims.size())) {
                Execution e = starter.track(c);
                e.queuedAt = now;
                queued.add(e);
                queuedHere++;
            }
            if (!open) {
                starter.giveBack(drainQueued());
            }
            kept = held;
            return claims.subList(0, held);
        }

        @Override
        public void close() {
            if (claims && adapts) {
                recentClaims.add(clock.getAsLong() - sentAt);
            }
            inFlight.remove(this);
            room.addAndGet(ahead - queuedHere);
            free(extra - Math.max(0, kept - own));
        }
    }

    /** The last few durations of one kind and their median: an outlier or two (a pause, a claim that found nothing) move nothing. */
    private static final class RecentNanos {
        private final long[] last;
        private int count;
        private int next;

        RecentNanos(int size) {
            this.last = new long[size];
        }

        synchronized void add(long nanos) {
            last[next] = nanos;
            next = (next + 1) % last.length;
            count = Math.min(count + 1, last.length);
        }

        /** The median of those kept, or -1 before any. */
        synchronized long median() {
            if (count == 0) {
                return -1;
            }
            long[] sorted = Arrays.copyOf(last, count);
            Arrays.sort(sorted);
            return sorted[count / 2];
        }
    }
}
