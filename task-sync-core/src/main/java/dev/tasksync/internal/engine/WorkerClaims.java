package dev.tasksync.internal.engine;

import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;

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
 */
final class WorkerClaims implements ClaimPolicy {
    private final Engine engine;
    private final int lookahead;

    WorkerClaims(Engine engine, int concurrency) {
        this.engine = engine;
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

    /** Its dependents, or when it has none whatever is claimable next. */
    @Override
    public ClaimStatements.Scope afterCompletion(int stepId, List<Integer> dependents, int max, Set<Integer> running) {
        return dependents.isEmpty() ? ClaimStatements.Scope.anyTask()
                : ClaimStatements.Scope.only(dependents.subList(0, Math.min(max, dependents.size())));
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
        if (claimed.stream().noneMatch(c -> c.taskId() == taskId)) {
            TaskSettler.settleIfDone(t, taskId);
        }
        if (dependents.stream().anyMatch(d -> claimed.stream().noneMatch(c -> c.stepId() == d))) {
            engine.notifyWorkers(t); // some dependents went unclaimed: any worker may take them
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
