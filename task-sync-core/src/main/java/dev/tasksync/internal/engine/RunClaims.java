package dev.tasksync.internal.engine;

import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The claims of an in-process run ({@code TaskSync.run}): steps of its task, first those its ready set
 * names, as many ahead as it has slots. Its submit goes with its first claim, and its last outcome settles
 * the task in the same round trip; it leaves other tasks and other workers alone.
 */
final class RunClaims implements ClaimPolicy {
    private final int taskId;
    private final int lookahead;
    private final ReadySet ready;
    private final TaskSettler settler;
    /** The run's submit, until its first claim sends it. */
    private final AtomicReference<ResultQuery<Record>> submit;
    /** What follows the submit once it committed; null when there is none left to send. */
    private final Submitter.Deferred submitted;
    /** The task as the recording of the run's last step settled it (with its steps), if it did. */
    private volatile TaskSettler.Settled settledAtEnd;

    /**
     * @param submit the run's submit, left to go with its first claim (nothing can be claimed before it); or null
     * @param submitted what follows that submit once it committed (its answer came back); or null
     */
    RunClaims(int taskId, int concurrency, ReadySet ready, TaskSettler settler, ResultQuery<Record> submit,
              Submitter.Deferred submitted) {
        this.taskId = taskId;
        this.lookahead = concurrency;
        this.ready = ready;
        this.settler = settler;
        this.submit = new AtomicReference<>(submit);
        this.submitted = submitted;
    }

    int taskId() {
        return taskId;
    }

    ReadySet ready() {
        return ready;
    }

    /** The task as its last recorded outcome settled it, or null. */
    TaskSettler.Settled settledAtEnd() {
        return settledAtEnd;
    }

    @Override
    public boolean placed() {
        return false;
    }

    @Override
    public int lookahead() {
        return lookahead;
    }

    /**
     * Short steps (no-ops, checks of unchanged files) end faster than a recording's round trip: claiming further
     * ahead lets each statement and commit carry dozens of outcomes and claims instead of a few.
     */
    @Override
    public int maxLookahead() {
        return Math.min(1_024, lookahead * 32);
    }

    @Override
    public boolean scansAhead() {
        return true;
    }

    @Override
    public boolean recordsWithoutWaiting() {
        return true;
    }

    @Override
    public ClaimStatements.Scope scan() {
        return ClaimStatements.Scope.task(taskId);
    }

    /** Whether the completion claims at all: it released dependents, or some step is ready. */
    @Override
    public boolean claimsAfter(List<Integer> dependents, Set<Integer> running) {
        return !dependents.isEmpty() || ready.anyReady();
    }

    /**
     * Once per recorded batch, from the batch's total limit: the steps its completions released, then the first
     * ready steps (none held here, see {@link ReadySet}), up to enough for that limit and some that turn out not
     * runnable. Built per completion (with the look-ahead grown, ~520 ids walked past ~260 held) and merged per
     * batch, this took about two thirds of the step threads' CPU on a 10,000-step fan-out.
     */
    @Override
    public ClaimStatements.Scope forBatch(List<Completer.Completion> batch, int limit) {
        int max = ClaimPolicy.maxCandidates(limit);
        Set<Integer> candidates = new LinkedHashSet<>();
        for (Completer.Completion c : batch) {
            for (int i = 0; i < c.dependents().size() && candidates.size() < max; i++) {
                candidates.add(c.dependents().get(i));
            }
        }
        if (candidates.size() < max) {
            candidates.addAll(ready.candidates(max - candidates.size()));
        }
        return ClaimStatements.Scope.only(candidates);
    }

    @Override
    public void took(List<Claim> claims) {
        for (Claim c : claims) {
            ready.claimed(c.stepId());
        }
    }

    @Override
    public void released(int stepId) {
        ready.released(stepId);
    }

    @Override
    public ResultQuery<Record> takeSubmit() {
        return submit.getAndSet(null);
    }

    @Override
    public void submitted(Result<Record> rows) {
        Submitter.requireFound(rows, taskId);
        if (submitted != null) {
            submitted.apply(); // its statement is committed by itself (autocommit) before its rows are read
        }
    }

    @Override
    public void recorded(TaskGraph graph, int stepId, boolean completed, boolean gaveUp) {
        if (completed) {
            ready.completed(graph, stepId);
        } else if (gaveUp) {
            ready.gaveUp(stepId);
        } else {
            ready.released(stepId); // to be retried: new again once its backoff is over
        }
    }

    /** The run's last step: settle the task in the same round trip, so the run can end at once. */
    @Override
    public ResultQuery<Record> sendWith(DSLContext t, int stepId, List<Integer> dependents, boolean alone) {
        return alone && ready.onlyLeft(stepId) ? settler.ifDoneQuery(taskId) : null;
    }

    @Override
    public void sentWith(Result<Record> rows) {
        settledAtEnd = TaskSettler.read(rows);
    }

    /** A run's steps are its own: no one else waits for them. */
    @Override
    public String wakeChannel() {
        return null;
    }

    /** Never asked: {@link #committed} does nothing. */
    @Override
    public boolean asksHeld() {
        return false;
    }

    /** The run settles its task with its last outcome ({@link #sendWith}) or when its loop ends. */
    @Override
    public void committed(Set<Integer> tasks, Set<Integer> steps, List<Claim> claimed, Completer.Held held) {
    }
}
