package dev.tasksync.internal.engine;

import dev.tasksync.RunListener;
import dev.tasksync.WorkerOptions;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Set;


/**
 * The in-process loop of {@code run(task)}, on the caller's thread: claims from the run's ready set while
 * its steps run, scans the task when nothing does, waits for steps others hold, and ends when the task
 * has nothing left to run. Counterpart of {@link WorkerLoop}.
 */
final class TaskRun implements AutoCloseable {
    private final Engine engine;
    private final WorkerOptions options;
    private final Clock clock;
    private final RunClaims claims;
    private final StepRunner runner;
    private final ElsewhereReports reports;

    /** @param submission the run's submit: its statement, when not sent yet, goes with the run's first claim */
    TaskRun(Engine engine, String workerId, WorkerOptions options, RunListener listener, TaskGraph graph,
            Collection<Integer> toRun, Submitter.Submission submission) {
        this.engine = engine;
        this.options = options;
        this.clock = engine.clock();
        int taskId = graph.taskId();
        this.claims = new RunClaims(taskId, options.concurrency(), new ReadySet(toRun, graph), engine.settler(),
                submission.statement(), submission.onCommit());
        this.runner = new StepRunner(engine, workerId, options, listener, claims, graph);
        this.reports = new ElsewhereReports(engine.dsl(), workerId, listener);
    }

    Set<Integer> executed() {
        return runner.executed();
    }

    /** Steps executed by another run or worker whose end the listener was told of. */
    Set<Integer> reportedElsewhere() {
        return reports.reported();
    }

    /**
     * Runs until the task has nothing left to run. Returns the task as settled (its final status, and its
     * steps as then stored) when it ended with no step new or active, else null.
     */
    TaskSettler.Settled drain() {
        int taskId = claims.taskId();
        try {
            while (true) {
                List<Claim> claimed = claimNext();
                claimed.forEach(runner::start);
                if (!claimed.isEmpty() || !runner.running().isEmpty()) {
                    if (!runner.running().isEmpty() && (runner.free() == 0 || claimed.isEmpty())) {
                        runner.await(options.pollInterval());
                    }
                    continue;
                }
                // Settled already when the last step's outcome was recorded.
                TaskSettler.Settled settled = claims.settledAtEnd() != null ? claims.settledAtEnd()
                        : engine.settler().settleIfDone(taskId);
                if (settled != null) {
                    return settled;
                }
                Engine.Pending pending = engine.pending(taskId);
                reports.reportHeld(pending, runner.running());
                if (pending.active() == 0 && pending.nextRetry() == null) {
                    // A step may have completed after the last claim looked: look once more.
                    List<Claim> late = runner.claim();
                    if (late.isEmpty()) {
                        return null; // nothing held elsewhere, no retry due: whatever is still new cannot run
                    }
                    late.forEach(runner::start);
                    continue;
                }
                Duration wait = options.pollInterval();
                if (pending.nextRetry() != null) {
                    Duration untilRetry = Duration.between(OffsetDateTime.now(clock), pending.nextRetry());
                    wait = untilRetry.isNegative() ? Duration.ofMillis(1) : untilRetry.compareTo(wait) < 0 ? untilRetry : wait;
                }
                runner.await(wait.compareTo(Duration.ofMillis(50)) > 0 && pending.active() > 0 ? Duration.ofMillis(50) : wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            runner.endRun();
        }
    }

    /** Claims from the ready set while steps run here; scans the task only when nothing does. */
    private List<Claim> claimNext() {
        // No free slot: a claim would reserve nothing and take nothing (the loop is woken as often as steps end; each
        // time it listed up to a few hundred ready steps for a claim that could not be sent).
        List<Integer> candidates = runner.free() == 0 ? List.of() : claims.ready().candidates(runner.maxCandidates());
        List<Claim> claimed = candidates.isEmpty() ? List.of() : runner.claim(ClaimStatements.Scope.only(candidates));
        // Nothing of ours runs and nothing we released is claimable, yet steps still wait: look at the
        // whole task (steps completed by other workers release steps this runner does not know about).
        // When nothing waits either, the loop asks what is pending before it scans.
        if (claimed.isEmpty() && runner.running().isEmpty() && claims.ready().expecting()) {
            claimed = runner.claim();
        }
        submitAlone(); // the first claim carried the submit; if none was made, it goes now
        return claimed;
    }

    /** Sends the pending submit by itself, if no claim carried it. */
    private void submitAlone() {
        var statement = claims.takeSubmit();
        if (statement != null) {
            claims.submitted(statement.fetch());
        }
    }

    @Override
    public void close() {
        runner.close();
    }
}
