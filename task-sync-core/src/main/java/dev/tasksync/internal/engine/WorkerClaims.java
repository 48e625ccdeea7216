package dev.tasksync.internal.engine;

import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The claims of a worker: any task's claimable steps. Its recordings settle each task they finish and wake
 * the other workers for the dependents it did not claim.
 *
 * <p>Claiming ahead: a recording also claims up to one step per slot ahead, which starts the moment
 * a slot frees, before that slot's outcome is committed. Without it each slot idled for one commit (a WAL
 * flush: 5-10 ms on this machine's disk) per step, and one worker of four slots did at most ~4 steps per
 * flush. The loop's own claims take no places ahead (see {@link #scansAhead}), so workers woken together
 * share new work by their free slots; a one-slot worker claims nothing ahead, its steps stay strictly one
 * after another (the next starts when the one before is recorded).
 *
 * <p>Released steps: a completion that releases more dependents than it can claim remembers the rest,
 * and later completions claim those by id (as an in-process run claims from its ready set) rather than
 * scanning every task's claimable steps from the lowest id, which every worker scans at once. It takes them
 * from the highest id down, away from that head, chosen once per recorded batch ({@link #forBatch}). What it
 * remembers is a hint: the claim checks each step as it would any other, a step offered and not claimed is
 * forgotten unless the claim was full and the step beyond its limit, and with nothing remembered a recording
 * claims any claimable step. Several completions are recorded together in one statement whatever their tasks.
 *
 * <p>Shared hints (rows 6b, 6c): the wake-up a recording sends when it released steps it did not claim names
 * them, as a submit's names the steps it made runnable that wait for none of the others, and the workers it wakes
 * remember them ({@link #hint}): once nothing their own outcomes released is left, their loop's claims ({@link #scan})
 * and their recordings take those by id, each from a random one of them down (the sender goes from the highest),
 * instead of scanning every task from the lowest id, which is what all but the root's recorder did on a fan-out.
 *
 * <p>Settling: a task is settled only by the worker whose outcome may have been its last, after that
 * outcome committed ({@link #committed}). It used to lock the task row and count all its steps in every recording
 * that claimed nothing more of the task: with a step claimed ahead, most of them. Every worker then queued on
 * that one row, each holding it for the count and a commit, and their heartbeats queued behind them; 4 processes
 * did 31 no-op steps/s on a 2,000-step fan-out. Now, once per recorded batch and task: a worker that still holds
 * another step of the task (claimed, not yet at its recording: {@link Completer.Held}) leaves it to that step's
 * recording (it commits later and sees this one); otherwise one probe ({@link TaskSettler#mayBeDone}) asks whether
 * any step of the task is still new or active, and only when none is does it lock and settle. After the commit is
 * as safe as within it under the lock: of two outcomes that finish a task together, the one committed last asks
 * after both committed and sees both.
 */
final class WorkerClaims implements ClaimPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerClaims.class);
    /** At most this many released steps are remembered. */
    static final int REMEMBERED = 10_000;

    /** At most this many ids are read from one notification's payload (a range may stand for many). */
    static final int HINTED = 4_000;

    private final Engine engine;
    private final String workerId;
    private final int concurrency;
    private final int lookahead;
    /** Released by this worker's completions and not claimed with them, lowest id first; guarded by this. */
    private final Deque<Integer> released = new ArrayDeque<>();
    /**
     * Named by other workers' wake-ups and by submits ({@link #hint}); guarded by this. Taken only when nothing of
     * {@link #released} is left: a worker goes on with what its own outcomes released before steps others named.
     */
    private final Deque<Integer> hinted = new ArrayDeque<>();
    /** The candidates of each batch whose claims have not come back, by the lowest step id it records; guarded by this. */
    private final Map<Integer, Offered> offered = new HashMap<>();
    /** The runner's steps claimed and not yet recorded (StepRunner's, as its completions pass it): never candidates. */
    private volatile Set<Integer> running;

    /** What one batch's claim was offered, and how many it could take. */
    private record Offered(List<Integer> candidates, int limit, boolean hints) {
    }

    /** The candidates of the loop's last claim by hints ({@link #scan}), until {@link #scanned}; guarded by this. */
    private List<Integer> scanning;
    /** Whether {@link #scanning} came from {@link #hinted}; guarded by this. */
    private boolean scanningHints;
    /** Whether the last {@link #candidates} came from {@link #hinted}; guarded by this. */
    private boolean fromHints;
    /** The loop's claims by hints in a row that found none of their candidates claimable; guarded by this. */
    private int staleInARow;

    /** This worker's id as its wake-ups name it: its first {@link #SENDER} characters (claims.sql, wakeWorkers). */
    private final String sender;
    static final int SENDER = 800;

    WorkerClaims(Engine engine, String workerId, int concurrency) {
        this.engine = engine;
        this.workerId = workerId;
        this.sender = workerId.codePointCount(0, workerId.length()) > SENDER
                ? workerId.substring(0, workerId.offsetByCodePoints(0, SENDER)) : workerId;
        this.concurrency = concurrency;
        this.lookahead = concurrency > 1 ? concurrency : 0;
    }

    @Override
    public boolean placed() {
        return true;
    }

    @Override
    public int lookahead() {
        return lookahead;
    }

    /**
     * As a run's, a worker's look-ahead grows when its steps end before the recording that claims the
     * next ones comes back (see {@link Slots}): no-op steps then go dozens to a statement and a commit instead of
     * about two. Steps that take longer than a round trip never empty a full queue and keep {@link #lookahead()},
     * so a worker of long steps claims no more than it can start soon, and leaves the rest to the other workers.
     * s21 (row 6d): up to 32 per slot, as a run's (it was 16): with its outcomes recorded without waiting
     * ({@link #recordsWithoutWaiting}), one worker of 4 slots then records ~50 no-op outcomes a statement, as a run does.
     * Still at most 256, so that a worker of many slots does not take a fleet's work ahead of the others.
     */
    @Override
    public int maxLookahead() {
        return Math.min(256, lookahead * 32);
    }

    @Override
    public boolean scansAhead() {
        return false;
    }

    /**
     * s21 (row 6d): as a run's, a completed step's thread queues its outcome and goes on with a step claimed ahead;
     * whichever thread holds a recorder records the queued outcomes together, wakes the other workers in their round
     * trip and settles after the commit ({@link #committed}), as before. The step stays among the runner's running
     * steps (its lease renewed) until its outcome committed, so {@link Completer#holdsOf} sees it as before; failures
     * and claims given back are still recorded by their own thread. Each thread waited for its own recording:
     * 2,000 no-op steps of one worker went in 184 statements of ~11 outcomes (a run's: 58 of ~34), its slots idle
     * between, and it did half a run's steps/s on the same task.
     */
    @Override
    public boolean recordsWithoutWaiting() {
        return true;
    }

    /**
     * The loop's claim takes from the steps remembered (its own completions' dependents, and those other
     * workers' notifications named: {@link #hint}) first, as a recording does; any claimable step only when none is.
     * {@link #scanned} then says what became of them.
     */
    @Override
    public synchronized ClaimStatements.Scope scan() {
        List<Integer> candidates = candidates(ClaimPolicy.maxCandidates(concurrency), Set.of());
        scanning = candidates.isEmpty() ? null : candidates;
        scanningHints = fromHints;
        return candidates.isEmpty() ? ClaimStatements.Scope.anyTask() : ClaimStatements.Scope.only(candidates);
    }

    /**
     * The loop's claim came back with {@code claims}. When it claimed by hints, the candidates above the highest it took
     * are remembered again (it takes the lowest ids first: they may only have been beyond its limit), the others are
     * forgotten; true when it took none of them: the loop claims again at once, by the hints left or any step. Claims
     * that find none in a row skip further and further (twice as many each time): hints of steps other workers took
     * lie together (each worker took them from one of them down), and a worker woken long after a fan-out's root (its
     * steps all done) went through its 2,000 stale hints 16 at a time.
     */
    synchronized boolean scanned(List<Claim> claims) {
        List<Integer> candidates = scanning;
        scanning = null;
        if (candidates == null) {
            return false;
        }
        if (claims.isEmpty()) {
            staleInARow = Math.min(staleInARow + 1, 16);
            long skip = (long) ClaimPolicy.maxCandidates(concurrency) * ((1L << staleInARow) - 1);
            Deque<Integer> from = scanningHints ? hinted : released;
            for (long i = 0; i < skip && !from.isEmpty(); i++) {
                from.pollLast();
            }
            return true;
        }
        staleInARow = 0;
        rememberAbove(candidates, claims, scanningHints ? hinted : released);
        return false;
    }

    /**
     * A notification on the workers' channel, payload {@code "ID-ID,ID,… SENDER"} ({@code wakeWorkers} in
     * claims.sql): another worker's outcomes released those steps and it did not claim them. They are remembered (as
     * hints: each claim checks them) so that this worker's claims take them by id rather than scanning every task from
     * the lowest id; a payload it cannot read (a submit's is empty) adds nothing. Every worker woken gets the same
     * steps, and the sender takes its own from the highest id down: each receiver starts at a random one of them and
     * goes down from there, so that the claims of several workers seldom ask for the same rows. Returns false for this
     * worker's own notifications (it knows those steps already): they need not wake it.
     */
    synchronized boolean hint(String payload) {
        if (payload == null || payload.isEmpty()) {
            return true;
        }
        int space = payload.indexOf(' ');
        if (space < 0) {
            return true;
        }
        if (payload.substring(space + 1).equals(sender)) {
            return false;
        }
        List<Integer> ids = new ArrayList<>();
        try {
            for (String range : payload.substring(0, space).split(",")) {
                int dash = range.indexOf('-');
                int lo = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                int hi = dash < 0 ? lo : Integer.parseInt(range.substring(dash + 1));
                for (int id = lo; id <= hi && ids.size() < HINTED; id++) {
                    ids.add(id);
                }
            }
        } catch (NumberFormatException e) {
            LOG.debug("worker {}: a notification's payload names no steps: {}", workerId, payload);
        }
        if (ids.isEmpty()) {
            return true;
        }
        // taken from the end (pollLast): start below a random one of them, going down, then on from the highest
        int start = ThreadLocalRandom.current().nextInt(ids.size());
        for (int i = 0; i < ids.size() && hinted.size() < REMEMBERED; i++) {
            hinted.addLast(ids.get((start + i) % ids.size()));
        }
        return true;
    }

    /**
     * Remembers the step's dependents (what it released) and says a worker's recording always claims; which steps is
     * chosen once for the batch it goes in ({@link #forBatch}), from its total limit.
     */
    @Override
    public synchronized boolean claimsAfter(List<Integer> dependents, Set<Integer> running) {
        this.running = running;
        for (Integer d : dependents) {
            if (released.size() < REMEMBERED) {
                released.addLast(d);
            }
        }
        return true;
    }

    /**
     * Once per recorded batch, from the batch's total limit, as a run's ({@link RunClaims#forBatch}):
     * the steps released last (its own dependents among them), highest id first, up to enough for that limit and some
     * that turn out not runnable; any claimable step only when nothing is remembered. Chosen per completion, each took
     * up to {@code 2 × look-ahead + 8} of them, the first completions of a batch took them all, the rest had none and
     * claimed "any", and one such completion made the whole batch scan every task from the lowest id: on a 2,000-step
     * fan-out almost every recording of the one worker that knew all 1,999 released steps scanned instead.
     */
    @Override
    public synchronized ClaimStatements.Scope forBatch(List<Completer.Completion> batch, int limit) {
        int max = ClaimPolicy.maxCandidates(limit);
        Set<Integer> recording = new HashSet<>();
        int key = Integer.MAX_VALUE;
        for (Completer.Completion c : batch) {
            recording.add(c.outcome().stepId());
            key = Math.min(key, c.outcome().stepId());
        }
        List<Integer> candidates = candidates(max, recording);
        if (candidates.isEmpty()) {
            return ClaimStatements.Scope.anyTask();
        }
        if (offered.size() >= REMEMBERED) {
            offered.clear(); // batches whose recording failed never came back: their candidates are only hints
        }
        offered.put(key, new Offered(candidates, limit, fromHints));
        return ClaimStatements.Scope.only(candidates);
    }

    synchronized int remembered() {
        return released.size() + hinted.size();
    }

    /**
     * Up to {@code max} remembered steps, the last remembered first: none this runner holds or is recording. Those its
     * own outcomes released while any are left, else those others named: a claim takes the lowest ids first, and a
     * mix would let another task's lower ids go before this worker's own dependents.
     */
    private List<Integer> candidates(int max, Set<Integer> recording) {
        List<Integer> candidates = take(released, max, recording);
        fromHints = candidates.isEmpty();
        return fromHints ? take(hinted, max, recording) : candidates;
    }

    private List<Integer> take(Deque<Integer> from, int max, Set<Integer> recording) {
        Set<Integer> held = running;
        List<Integer> candidates = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        while (candidates.size() < max && !from.isEmpty()) {
            Integer id = from.pollLast();
            if ((held == null || !held.contains(id)) && !recording.contains(id) && seen.add(id)) {
                candidates.add(id);
            }
        }
        return candidates;
    }

    /**
     * A batch's claims came back. A claim takes the lowest ids first: when it took fewer than its limit, every candidate
     * it did not take was not claimable (not runnable yet, or another worker's) and is forgotten; when it took its limit,
     * a candidate above the highest it took may only have been beyond the limit and is remembered again (each such
     * claim took steps: none circulates for ever).
     */
    private synchronized void claimed(Set<Integer> steps, List<Claim> claims) {
        if (offered.isEmpty() || steps.isEmpty()) {
            return;
        }
        Offered o = offered.remove(Collections.min(steps));
        if (o == null || claims.size() < o.limit()) {
            return;
        }
        rememberAbove(o.candidates(), claims, o.hints() ? hinted : released);
    }

    /**
     * Remembers again the candidates above the highest step claimed (a claim takes the lowest ids first: those may only
     * have been beyond its limit), in the order they were taken, so that the next claim takes the highest first again.
     */
    private void rememberAbove(List<Integer> candidates, List<Claim> claims, Deque<Integer> into) {
        int highest = Integer.MIN_VALUE;
        for (Claim c : claims) {
            highest = Math.max(highest, c.stepId());
        }
        for (int i = candidates.size() - 1; i >= 0; i--) {
            Integer id = candidates.get(i);
            if (id > highest && into.size() < REMEMBERED) {
                into.addLast(id);
            }
        }
    }

    @Override
    public ResultQuery<Record> takeSubmit() {
        return null;
    }

    @Override
    public void submitted(Result<Record> rows) {
    }

    /** Settling is done once per batch, after its commit ({@link #committed}). */
    @Override
    public void recorded(TaskGraph graph, int stepId, boolean completed, boolean gaveUp) {
    }

    /**
     * Wakes the other workers when this outcome released a dependent it did not claim (runnable, still new); a step
     * with no dependents sends nothing.
     */
    @Override
    public ResultQuery<Record> sendWith(DSLContext t, int stepId, List<Integer> dependents, boolean alone) {
        return ClaimStatements.wakeWorkers(t, engine.tables().identifiers(), engine.channel(), dependents, workerId);
    }

    @Override
    public void sentWith(Result<Record> rows) {
    }

    @Override
    public String wakeChannel() {
        return engine.channel();
    }

    /**
     * Outcomes committed: remembers what they claimed, and settles each of their tasks this worker holds no other
     * step of and that may be done (one probe for the batch); see the class comment.
     */
    @Override
    public void committed(Set<Integer> tasks, Set<Integer> steps, List<Claim> claimed, Completer.Held held) {
        claimed(steps, claimed);
        List<Integer> mayBeLast = tasks.stream().filter(t -> !held.holdsOf(t, steps)).toList();
        if (mayBeLast.isEmpty()) {
            return;
        }
        DSLContext dsl = engine.dsl();
        for (int taskId : TaskSettler.mayBeDone(dsl, mayBeLast)) {
            try {
                dsl.transaction(tx -> TaskSettler.settleIfDone(tx.dsl(), taskId));
            } catch (RuntimeException e) {
                // The outcome is committed: an idle worker settles what this left active (WorkerLoop's backstop).
                LOG.warn("task {}: settling after steps {} failed, left to the idle backstop: {}", taskId, steps, Retries.rootMessage(e));
            }
        }
    }
}
