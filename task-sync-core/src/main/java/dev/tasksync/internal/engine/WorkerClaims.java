package dev.tasksync.internal.engine;

import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The claims of a worker: any task's claimable steps. Its recordings settle each task they finish and wake
 * the other workers for the dependents it did not claim.
 *
 * <p>Claiming ahead (spd16): a recording also claims up to one step per slot ahead, which starts the moment
 * a slot frees, before that slot's outcome is committed. Without it each slot idled for one commit (a WAL
 * flush: 5-10 ms on this machine's disk) per step, and one worker of four slots did at most ~4 steps per
 * flush. The loop's own claims take no places ahead (see {@link #scansAhead}), so workers woken together
 * share new work by their free slots; a one-slot worker claims nothing ahead, its steps stay strictly one
 * after another (the next starts when the one before is recorded).
 *
 * <p>Released steps (wrk16): a completion that releases more dependents than it can claim remembers the rest,
 * and later completions claim those by id (as an in-process run claims from its ready set) rather than
 * scanning every task's claimable steps from the lowest id, which every worker scans at once. It takes them
 * from the highest id down, away from that head. What it remembers is a hint: the claim checks each step
 * as it would any other, a step offered twice and claimed neither time is forgotten, and with nothing
 * remembered a completion claims any claimable step. Several completions are recorded together in one
 * statement whatever their tasks ({@link WorkerRecorder}).
 *
 * <p>Settling (wrk16, s10, s12): a task is settled only by the worker whose outcome may have been its last, after that
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

    private final Engine engine;
    private final int concurrency;
    private final int lookahead;
    /** Released by this worker's completions and not claimed with them, lowest id first; guarded by this. */
    private final Deque<Integer> released = new ArrayDeque<>();
    /** Offered to claims whose answer has not come back; guarded by this. */
    private final Set<Integer> offered = new HashSet<>();
    /** Offered once already and not claimed then: not offered a third time; guarded by this. */
    private final Set<Integer> offeredBefore = new HashSet<>();

    WorkerClaims(Engine engine, int concurrency) {
        this.engine = engine;
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
     * wrk16 (s10): as a run's, a worker's look-ahead grows when its steps end before the recording that claims the
     * next ones comes back (see {@link Slots}): no-op steps then go dozens to a statement and a commit instead of
     * about two. Steps that take longer than a round trip never empty a full queue and keep {@link #lookahead()},
     * so a worker of long steps claims no more than it can start soon, and leaves the rest to the other workers.
     */
    @Override
    public int maxLookahead() {
        return Math.min(256, lookahead * 16);
    }

    @Override
    public boolean scansAhead() {
        return false;
    }

    @Override
    public ClaimStatements.Scope scan() {
        return ClaimStatements.Scope.anyTask();
    }

    /**
     * Its dependents, then steps released before and not claimed yet (up to as many as a completion claims at
     * most: every slot and the places ahead), or when there are none whatever is claimable next.
     */
    @Override
    public synchronized ClaimStatements.Scope afterCompletion(int stepId, List<Integer> dependents, int max, Set<Integer> running) {
        List<Integer> candidates = new ArrayList<>();
        for (Integer d : dependents) {
            if (candidates.size() < max) {
                candidates.add(d);
                offered.add(d);
            } else if (released.size() < REMEMBERED) {
                released.addLast(d);
            }
        }
        int wanted = max; // every slot and place ahead, the look-ahead grown included (StepRunner.maxCandidates)
        while (candidates.size() < wanted && !released.isEmpty()) {
            Integer id = released.pollLast();
            if (!running.contains(id) && id != stepId && !candidates.contains(id)) {
                candidates.add(id);
                offered.add(id);
            }
        }
        return candidates.isEmpty() ? ClaimStatements.Scope.anyTask() : ClaimStatements.Scope.only(candidates);
    }

    /**
     * Claims came back. A claim takes the lowest ids first: a step offered and not claimed below the highest it
     * claimed was not claimable (not runnable yet, or another worker's) and is forgotten; one above it may
     * only have been beyond the claim's limit and is offered once more (at most once, so that none circulates).
     */
    private synchronized void claimed(List<Claim> claims) {
        if (offered.isEmpty()) {
            return;
        }
        Set<Integer> ids = new HashSet<>();
        int highest = Integer.MIN_VALUE;
        for (Claim c : claims) {
            ids.add(c.stepId());
            highest = Math.max(highest, c.stepId());
        }
        for (Integer id : offered) {
            if (ids.contains(id) || id < highest || !offeredBefore.add(id)) {
                offeredBefore.remove(id);
            } else {
                released.addLast(id);
            }
        }
        offered.clear();
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
        return ClaimStatements.wakeWorkers(t, engine.tables().identifiers(), engine.channel(), dependents);
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
        claimed(claimed);
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
