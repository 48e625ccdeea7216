package dev.tasksync.internal.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A worker's batches of completions (wrk16): the completions of its slots that waited together, whatever their
 * tasks, recorded in one statement that claims the next steps for them and wakes the other workers when it
 * released more than it claimed, committed by itself: one round trip and one commit for the batch. Only then
 * are the tasks settled that the batch claimed nothing of, once each.
 *
 * <p>A worker used to record one transaction per task, with a notification and a settle in it, and a commit
 * after it: three to five round trips per batch where an in-process run needs one. Settling after the commit
 * is as safe as within it: each recorder settles under the task's lock after its own outcomes committed, so
 * the later of two that finish a task together sees both (WorkerIT#whicheverOfTwoWorkersCommitsLastSettlesTheTask).
 */
final class WorkerRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerRecorder.class);

    private final Engine engine;
    private final ClaimStatements statements;
    private final ClaimPolicy policy;
    private final Retries retries;

    WorkerRecorder(Engine engine, ClaimStatements statements, ClaimPolicy policy, Retries retries) {
        this.engine = engine;
        this.statements = statements;
        this.policy = policy;
        this.retries = retries;
    }

    /** Records {@code batch} and hands each completion its share of the claims (or the failure). */
    void record(List<Completer.Completion> batch) {
        ClaimStatements.RecordedTogether recorded;
        try {
            ClaimStatements.Scope scope = Completer.union(batch);
            int limit = batch.stream().mapToInt(Completer.Completion::limit).sum();
            List<ClaimStatements.Outcome> outcomes = batch.stream().map(Completer.Completion::outcome).toList();
            recorded = retries.write(() -> statements.recordCompletionsAndWake(engine.dsl(), outcomes, scope, limit,
                    System.nanoTime(), engine.channel()));
        } catch (RuntimeException e) {
            batch.forEach(c -> c.claims().completeExceptionally(e));
            return;
        }
        IdentityHashMap<Completer.Completion, List<Claim>> each = Completer.share(batch, recorded.claims());
        batch.forEach(c -> c.claims().complete(each.get(c)));
        Set<Integer> tasks = new LinkedHashSet<>();
        batch.stream().filter(c -> recorded.recorded().contains(c.outcome().stepId())).forEach(c -> tasks.add(c.outcome().taskId()));
        if (tasks.isEmpty()) {
            return;
        }
        try {
            retries.write(() -> policy.afterBatch(engine.dsl(), tasks, recorded.claims()));
        } catch (RuntimeException e) {
            // The outcomes are committed: an idle worker settles what this left active (WorkerLoop's backstop).
            LOG.warn("tasks {}: settling after their outcomes failed, left to the idle backstop: {}", tasks, Retries.rootMessage(e));
        }
    }
}
