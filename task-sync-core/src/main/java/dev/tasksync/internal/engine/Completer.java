package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.AttemptOutcome;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.IntPredicate;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;
import static org.jooq.impl.DSL.currentOffsetDateTime;

/**
 * Records outcomes, fenced by attempt and owner: a claim taken over by another worker changes nothing.
 * A completion also claims, in the same statement, what it released ({@link #complete}): one statement
 * to record and claim. Completions that arrive while others are being recorded go together, one statement
 * per task (group commit). A failure records alone, with the steps it skips ({@link #fail}); a claim given
 * back ({@link #release}) too.
 *
 * <p>Threads: each executing thread records its own step. At most two record at a time; one that finds its
 * completion recorded by another meanwhile only takes its claims.
 */
final class Completer {
    /** A step failed for good: the steps waiting for it will not run. */
    private static final String DOWNSTREAM_CANCELLED = StatusTransitions.step(StepStatus.NEW, StepStatus.CANCELLED);
    private static final String DOWNSTREAM_SKIPPED = StatusTransitions.step(StepStatus.NEW, StepStatus.SKIPPED);
    private static final String RELEASED = StatusTransitions.step(StepStatus.ACTIVE, StepStatus.NEW);

    /**
     * A completed step waiting to be recorded, with what it may claim ({@code scope}, at most {@code limit},
     * of which {@code held} have slots), the steps it released, and where its claims go.
     */
    record Completion(ClaimStatements.Outcome outcome, ClaimStatements.Scope scope, int limit, int held,
                      List<Integer> dependents, CompletableFuture<List<Claim>> claims) {
        Completion(ClaimStatements.Outcome outcome, ClaimStatements.Scope scope, int limit, int held, List<Integer> dependents) {
            this(outcome, scope, limit, held, dependents, new CompletableFuture<>());
        }
    }

    private final Engine engine;
    private final DSLContext dsl;
    private final String workerId;
    private final ClaimStatements statements;
    private final ClaimPolicy policy;
    private final Retries retries;
    /** True when a step is all its runner still has: nothing else runs or waits to start. */
    private final IntPredicate alone;
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    /** Two recorders at a time: one statement per core of a small database host, the rest queue up and go together. */
    private final Semaphore recording = new Semaphore(2);
    /** wrk16: records a worker's batches of several completions (of any tasks) in one statement; null for a run. */
    private final WorkerRecorder acrossTasks;

    Completer(Engine engine, String workerId, ClaimStatements statements, ClaimPolicy policy, Retries retries,
              IntPredicate alone) {
        this.engine = engine;
        this.dsl = engine.dsl();
        this.workerId = workerId;
        this.statements = statements;
        this.policy = policy;
        this.retries = retries;
        this.alone = alone;
        this.acrossTasks = policy.recordsAcrossTasks() ? new WorkerRecorder(engine, statements, policy, retries) : null;
    }

    /**
     * Records a completion and returns what it claimed. Group commit: completions that arrive while
     * another is being recorded wait for it, and the next thread to record takes all of them in one
     * statement per task. Steps that finish together (the slots of a run started at once) then cost one
     * round trip and one commit between them.
     */
    List<Claim> complete(Completion completion) {
        completions.add(completion);
        recording.acquireUninterruptibly();
        try {
            if (!completion.claims().isDone()) {
                List<Completion> batch = new ArrayList<>();
                for (Completion c; (c = completions.poll()) != null; ) {
                    batch.add(c);
                }
                if (acrossTasks != null && batch.size() > 1) {
                    acrossTasks.record(batch); // wrk16: a worker's batch, whatever its tasks
                } else {
                    Map<Integer, List<Completion>> byTask = new LinkedHashMap<>();
                    batch.forEach(c -> byTask.computeIfAbsent(c.outcome().taskId(), k -> new ArrayList<>()).add(c));
                    byTask.values().forEach(this::recordTask);
                }
            }
        } finally {
            recording.release();
        }
        try {
            return completion.claims().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Records completions of one task (in one transaction, for a worker) and hands each its share of the claims. */
    private void recordTask(List<Completion> group) {
        try {
            Function<DSLContext, Map<Completion, List<Claim>>> body = t -> {
                int taskId = group.get(0).outcome().taskId();
                Shares shares = group.size() == 1 ? inline(t, group.get(0)) : batched(t, taskId, group);
                if (shares.recorded()) {
                    List<Integer> dependents = new ArrayList<>();
                    group.forEach(c -> dependents.addAll(c.dependents()));
                    policy.afterRecording(t, taskId, dependents, shares.each().values().stream().flatMap(List::stream).toList());
                }
                return shares.each();
            };
            Map<Completion, List<Claim>> shares = retries.write(() -> policy.recordsInTransaction()
                    ? dsl.transactionResult(tx -> body.apply(tx.dsl())) : body.apply(dsl));
            group.forEach(c -> c.claims().complete(shares.get(c)));
        } catch (RuntimeException e) {
            group.forEach(c -> c.claims().completeExceptionally(e));
        }
    }

    /** Each completion's claims (by identity: a record's hashCode would hash its outcome), and whether any outcome counted. */
    private record Shares(IdentityHashMap<Completion, List<Claim>> each, boolean recorded) {
    }

    /** One completion, one statement. */
    private Shares inline(DSLContext t, Completion c) {
        var recorded = statements.record(t, c.outcome(), c.scope(), c.limit(), System.nanoTime(),
                policy.settleWith(c.outcome().stepId(), alone.test(c.outcome().stepId())));
        if (recorded.then() != null) {
            policy.settledBy(recorded.then());
        }
        IdentityHashMap<Completion, List<Claim>> each = new IdentityHashMap<>();
        each.put(c, recorded.claims());
        return new Shares(each, recorded.recorded());
    }

    /**
     * Several completions of one task in one statement, claiming from the union of their scopes (any claimable
     * step, when one of them is a worker's with nothing released); each gets up to what it reserved: one to go
     * on with first, then its other slots, then its places ahead.
     */
    private Shares batched(DSLContext t, int taskId, List<Completion> group) {
        ClaimStatements.Scope scope = union(group);
        int limit = group.stream().mapToInt(Completion::limit).sum();
        var recorded = statements.recordCompletions(t, taskId, group.stream().map(Completion::outcome).toList(),
                scope, limit, System.nanoTime());
        return new Shares(share(group, recorded.claims()), !recorded.recorded().isEmpty());
    }

    /** The scope several completions claim from together: the union of theirs, or any claimable step when one claims so. */
    static ClaimStatements.Scope union(List<Completion> group) {
        boolean any = group.stream().anyMatch(c -> c.scope().candidates() == null);
        Set<Integer> union = new LinkedHashSet<>();
        group.forEach(c -> {
            if (c.scope().candidates() != null) {
                union.addAll(List.of(c.scope().candidates()));
            }
        });
        return any ? ClaimStatements.Scope.anyTask() : ClaimStatements.Scope.only(union);
    }

    /** Splits claims made together: each completion gets one to go on with first, then its other slots, then its places ahead. */
    static IdentityHashMap<Completion, List<Claim>> share(List<Completion> group, List<Claim> claims) {
        List<Claim> left = new ArrayList<>(claims);
        IdentityHashMap<Completion, List<Claim>> each = new IdentityHashMap<>();
        group.forEach(c -> each.put(c, new ArrayList<>()));
        for (int round = 0; !left.isEmpty() && round < 3; round++) {
            for (Completion c : group) {
                int quota = round == 0 ? Math.min(1, c.held()) : round == 1 ? c.held() : c.limit();
                while (!left.isEmpty() && each.get(c).size() < quota) {
                    each.get(c).add(left.remove(0));
                }
            }
        }
        return each;
    }

    /**
     * Records a failure, in a transaction with what it does besides: a failure for good skips (or, when
     * cancelled, cancels) what waits for it; a worker may settle the task. It claims nothing.
     */
    void fail(TaskGraph graph, ClaimStatements.Outcome outcome, Stop stop) {
        retries.write(() -> dsl.transaction(tx -> {
            DSLContext t = tx.dsl();
            var recorded = statements.record(t, outcome, null, 0, System.nanoTime());
            if (!recorded.recorded()) {
                return;
            }
            if (outcome.status() != StepStatus.NEW) {
                skipDownstream(t, graph, outcome.stepId(), stop, outcome.status());
            }
            if (policy.recordsInTransaction()) {
                policy.afterRecording(t, outcome.taskId(), List.of(), List.of());
            }
        }));
    }

    private static void skipDownstream(DSLContext t, TaskGraph graph, int id, Stop stop, StepStatus status) {
        Set<Integer> downstream = graph.graph().downstreamOf(id);
        if (downstream.isEmpty()) {
            return;
        }
        ObjectNode skipped = Store.JSON.createObjectNode();
        skipped.putObject("skipped_because").put("id", id).put("title", graph.titles().get(id))
                .put("status", status.dbValue());
        t.update(STEPS).set(STEPS.STATUS, stop == Stop.CANCELLED ? DOWNSTREAM_CANCELLED : DOWNSTREAM_SKIPPED)
                .set(STEPS.RESULTS, Store.jsonb(skipped))
                .where(STEPS.ID.eq(DSL.any(downstream.toArray(Integer[]::new))))
                .and(STEPS.STATUS.eq(StepStatus.NEW.dbValue()))
                .execute();
    }

    /** Gives a claim back: the step is new again and its attempt is marked released. */
    void release(Claim claim, String logTail, String why) {
        retries.write(() -> dsl.transaction(tx -> {
            DSLContext t = tx.dsl();
            int updated = t.update(STEPS)
                    .set(STEPS.STATUS, RELEASED)
                    .setNull(STEPS.LEASE_OWNER)
                    .setNull(STEPS.LEASE_EXPIRES_AT)
                    .where(STEPS.ID.eq(claim.stepId())).and(STEPS.ATTEMPT.eq(claim.attempt()))
                    .and(STEPS.LEASE_OWNER.eq(workerId)).and(STEPS.STATUS.eq(StepStatus.ACTIVE.dbValue()))
                    .execute();
            t.update(STEP_RUNS)
                    .set(STEP_RUNS.FINISHED_AT, currentOffsetDateTime())
                    .set(STEP_RUNS.OUTCOME, (updated == 0 ? AttemptOutcome.ABANDONED : AttemptOutcome.RELEASED).dbValue())
                    .set(STEP_RUNS.ERROR, why)
                    .set(STEP_RUNS.LOG_TAIL, logTail)
                    .where(STEP_RUNS.STEP_ID.eq(claim.stepId())).and(STEP_RUNS.ATTEMPT.eq(claim.attempt()))
                    .and(STEP_RUNS.FINISHED_AT.isNull())
                    .execute();
            if (updated > 0) {
                engine.notifyWorkers(t);
            }
        }));
    }
}
