package dev.tasksync.internal.engine;

import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;

import java.util.List;
import java.util.Set;

/**
 * The claims of a worker: any task's claimable steps, none ahead of its free slots (so that it never
 * holds steps another worker could run now). Its recordings settle each task they finish and wake the
 * other workers for the dependents it did not claim.
 */
final class WorkerClaims implements ClaimPolicy {
    private final Engine engine;

    WorkerClaims(Engine engine) {
        this.engine = engine;
    }

    @Override
    public boolean placed() {
        return true;
    }

    @Override
    public int lookahead() {
        return 0;
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
