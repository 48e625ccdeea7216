package dev.tasksync.internal.engine;

import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;

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
 */
final class WorkerClaims implements ClaimPolicy {
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
        int wanted = Math.min(max, concurrency + lookahead);
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

    @Override
    public void recorded(TaskGraph graph, int stepId, boolean completed, boolean gaveUp) {
    }

    @Override
    public boolean recordsInTransaction() {
        return true;
    }

    @Override
    public void afterRecording(DSLContext t, int taskId, List<Integer> dependents, List<Claim> claimed) {
        // A worker that claimed nothing more of this task settles it if nothing of it is left. Always, even
        // while its snapshot showed new steps: another worker may claim, run and record those and settle
        // before this transaction commits, seeing this step still active; under the task's lock the later
        // of the two sees both. One that claimed a step of the task settles after that one.
        claimed(claimed);
        if (claimed.stream().noneMatch(c -> c.taskId() == taskId)) {
            TaskSettler.settleIfDone(t, taskId);
        }
        if (dependents.stream().anyMatch(d -> claimed.stream().noneMatch(c -> c.stepId() == d))) {
            engine.notifyWorkers(t); // some dependents went unclaimed: any worker may take them
        }
    }

    @Override
    public boolean recordsAcrossTasks() {
        return true;
    }

    /**
     * After a batch committed: settles each of its tasks it claimed nothing of, under the task's lock, in a
     * transaction of its own (the batch's notification went with it, see {@code wakeWorkers}).
     */
    @Override
    public void afterBatch(DSLContext dsl, Set<Integer> tasks, List<Claim> claims) {
        claimed(claims);
        for (int taskId : tasks) {
            if (claims.stream().noneMatch(c -> c.taskId() == taskId)) {
                dsl.transaction(tx -> TaskSettler.settleIfDone(tx.dsl(), taskId));
            }
        }
    }

    @Override
    public ResultQuery<Record> settleWith(int stepId, boolean alone) {
        return null;
    }

    @Override
    public void settledBy(Result<Record> rows) {
    }
}
