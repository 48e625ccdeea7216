package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.AttemptOutcome;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.function.IntPredicate;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;
import static org.jooq.impl.DSL.currentOffsetDateTime;

/**
 * Records outcomes, fenced by attempt and owner: a claim taken over by another worker changes nothing.
 * A completion also claims, in the same statement, what it released ({@link #complete}): one statement
 * to record and claim. Completions that arrive while others are being recorded go together in one statement,
 * whatever their tasks (group commit), for an in-process run and a worker alike. A failure records alone, with
 * the steps it skips ({@link #fail}); a claim given back ({@link #release}) too. After each commit the policy
 * does what else follows from it ({@link ClaimPolicy#committed}: a worker settles the tasks it may have finished).
 *
 * <p>Threads: each executing thread records its own step. At most two record at a time; one that finds its
 * completion recorded by another meanwhile only takes its claims. A step is in {@link #recording} from the moment
 * its thread reaches this class until the runner lets go of it ({@link #forget}, after it left the runner's running
 * steps): whoever asks "does the runner still hold another step of this task?" ({@link #holdsOf}) then never counts
 * on a step whose recording is already past its own settling. Only a policy that asks ({@link ClaimPolicy#asksHeld},
 * a worker's) has this kept.
 */
final class Completer {
    private static final Logger LOG = LoggerFactory.getLogger(Completer.class);
    /** A step failed for good: the steps waiting for it will not run. */
    private static final String DOWNSTREAM_CANCELLED = StatusTransitions.step(StepStatus.NEW, StepStatus.CANCELLED);
    private static final String DOWNSTREAM_SKIPPED = StatusTransitions.step(StepStatus.NEW, StepStatus.SKIPPED);
    private static final String RELEASED = StatusTransitions.step(StepStatus.ACTIVE, StepStatus.NEW);

    /**
     * A completed step waiting to be recorded, with how many steps it may claim ({@code limit}, of which
     * {@code held} have slots; which ones the policy chooses for its batch), the steps it released, and where its
     * claims go.
     */
    record Completion(ClaimStatements.Outcome outcome, int limit, int held, List<Integer> dependents,
                      CompletableFuture<List<Claim>> claims) {
        Completion(ClaimStatements.Outcome outcome, int limit, int held, List<Integer> dependents) {
            this(outcome, limit, held, dependents, new CompletableFuture<>());
        }
    }

    /** Whether the runner still holds a step of a task whose own recording is yet to come (it settles the task then). */
    interface Held {
        /** True when a step of {@code taskId} other than {@code except} is claimed here and has not reached its recording. */
        boolean holdsOf(int taskId, Set<Integer> except);
    }

    private final Engine engine;
    private final DSLContext dsl;
    private final String workerId;
    private final ClaimStatements statements;
    private final ClaimPolicy policy;
    private final Retries retries;
    /** The runner's steps claimed and not yet recorded, by id (StepRunner's {@code running}). */
    private final Map<Integer, Execution> running;
    /** True when a step is all its runner still has: nothing else runs or waits to start. */
    private final IntPredicate alone;
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    /** Two recorders at a time: one statement per core of a small database host, the rest queue up and go together. */
    private final Semaphore recorders = new Semaphore(2);
    /**
     * Steps whose thread reached this class (to complete, fail or give back) and that the runner has not let go yet;
     * kept only when the policy asks {@link #holdsOf} ({@link ClaimPolicy#asksHeld}).
     */
    private final Set<Integer> recording = ConcurrentHashMap.newKeySet();
    private final boolean tracksRecording;

    Completer(Engine engine, String workerId, ClaimStatements statements, ClaimPolicy policy, Retries retries,
              Map<Integer, Execution> running, IntPredicate alone) {
        this.engine = engine;
        this.dsl = engine.dsl();
        this.workerId = workerId;
        this.statements = statements;
        this.policy = policy;
        this.retries = retries;
        this.running = running;
        this.alone = alone;
        this.tracksRecording = policy.asksHeld();
    }

    /** The step's thread reached this class: from now on it is not counted on to settle its task (see holdsOf). */
    private void reached(int stepId) {
        if (tracksRecording) {
            recording.add(stepId);
        }
    }

    /** The runner let go of the step (it left its running steps): it no longer counts as being recorded. */
    void forget(int stepId) {
        if (tracksRecording) {
            recording.remove(stepId);
        }
    }

    /**
     * Reads {@link #recording} before {@code running}: a step leaves running before it leaves recording, so one
     * that is in neither snapshot as "recording" nor gone from running has not reached its recording yet, and
     * settles its task itself after this caller's outcomes committed.
     */
    boolean holdsOf(int taskId, Set<Integer> except) {
        Set<Integer> recorded = Set.copyOf(recording);
        for (Execution e : running.values()) {
            int id = e.stepId();
            if (e.claim.taskId() == taskId && !except.contains(id) && !recorded.contains(id)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Records a completion and returns what it claimed. Group commit: completions that arrive while
     * another is being recorded wait for it, and the next thread to record takes all of them in one
     * statement. Steps that finish together (the slots started at once) then cost one round trip and
     * one commit between them.
     */
    List<Claim> complete(Completion completion) {
        reached(completion.outcome().stepId());
        completions.add(completion);
        List<Completion> batch = new ArrayList<>();
        Batch recorded = null;
        recorders.acquireUninterruptibly();
        try {
            if (!completion.claims().isDone()) {
                for (Completion c; (c = completions.poll()) != null; ) {
                    batch.add(c);
                }
                // s15: none left when the other recorder took this one (and the rest) meanwhile: its statement is in
                // flight, wait for it. A worker sent an empty statement here (4 in 10 of its recordings on row 6a).
                if (!batch.isEmpty()) {
                    recorded = record(batch);
                }
            }
        } finally {
            recorders.release();
        }
        if (recorded != null) {
            // after the commit, outside the recorders: the settling of one batch does not hold up the next
            committed(recorded.tasks(), recorded.steps(), recorded.claims());
        }
        try {
            return completion.claims().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Queues a completion without waiting for it. Its {@link Completion#claims} complete (on the recording
     * thread, after the commit) once some thread records it: one that holds a recorder ({@link #takeRecorder}, then
     * {@link #recordQueued}). Whoever queues calls {@link #takeRecorder} after this, so a completion never waits
     * while no one records.
     */
    void enqueue(Completion completion) {
        reached(completion.outcome().stepId());
        completions.add(completion);
    }

    /** Completions queued and not yet taken by a recorder. */
    int queued() {
        return completions.size();
    }

    /** Takes one of the two recorders when one is free and completions wait; then {@link #recordQueued} must follow. */
    boolean takeRecorder() {
        return !completions.isEmpty() && recorders.tryAcquire();
    }

    /**
     * With a recorder taken ({@link #takeRecorder}): records what is queued, batch after batch, and gives the recorder
     * back once nothing is. Completions queued after the last look but before it was given back are seen by the look
     * after (the recorder is taken again), or their own thread takes it: none is left waiting. {@code afterBatch} runs
     * after each batch, once every completion of it was handed its claims (on this thread).
     */
    void recordQueued(Runnable afterBatch) {
        boolean held = true;
        try {
            while (held) {
                List<Completion> batch = new ArrayList<>();
                for (Completion c; (c = completions.poll()) != null; ) {
                    batch.add(c);
                }
                if (batch.isEmpty()) {
                    recorders.release();
                    held = false;
                    held = !completions.isEmpty() && recorders.tryAcquire();
                    continue;
                }
                Batch recorded;
                try {
                    recorded = record(batch);
                } finally {
                    afterBatch.run();
                }
                if (recorded != null) {
                    committed(recorded.tasks(), recorded.steps(), recorded.claims());
                }
            }
        } finally {
            if (held) {
                recorders.release(); // an Error on the way: let the next thread record
            }
        }
    }

    /**
     * What a batch recorded: its steps, their tasks, and every step it claimed. The steps whose outcome did not count
     * (taken over elsewhere) are among them: another step of the task may have left the settling to them.
     */
    private record Batch(Set<Integer> steps, Set<Integer> tasks, List<Claim> claims) {
    }

    /** Records a batch in one statement (committed by itself) and hands each completion its share of the claims. */
    private Batch record(List<Completion> batch) {
        try {
            Batch recorded = retries.write(() -> batch.size() == 1 ? inline(batch.get(0)) : together(batch));
            IdentityHashMap<Completion, List<Claim>> each = share(batch, recorded.claims());
            batch.forEach(c -> c.claims().complete(each.get(c)));
            return recorded;
        } catch (RuntimeException e) {
            batch.forEach(c -> c.claims().completeExceptionally(e));
            return null;
        }
    }

    /** One completion, one statement (recordAndClaim), with what the policy sends in its round trip. */
    private Batch inline(Completion c) {
        int id = c.outcome().stepId();
        ClaimStatements.Scope scope = c.limit() == 0 ? null : policy.forBatch(List.of(c), c.limit());
        var recorded = statements.record(dsl, c.outcome(), scope, c.limit(), System.nanoTime(),
                policy.sendWith(dsl, id, c.dependents(), alone.test(id)));
        if (recorded.then() != null) {
            policy.sentWith(recorded.then());
        }
        return new Batch(Set.of(id), Set.of(c.outcome().taskId()), recorded.claims());
    }

    /**
     * Several completions in one statement (recordCompletions), claiming from what the policy chooses for them once
     * (by default the union of their scopes: any claimable step, when one of them is a worker's with nothing
     * released), and only when one of them may claim at all; each gets up to what it reserved.
     */
    private Batch together(List<Completion> batch) {
        int limit = batch.stream().mapToInt(Completion::limit).sum();
        ClaimStatements.Scope scope = limit == 0 ? ClaimStatements.Scope.only(List.of()) : policy.forBatch(batch, limit);
        List<ClaimStatements.Outcome> outcomes = batch.stream().map(Completion::outcome).toList();
        String wake = policy.wakeChannel();
        var recorded = wake == null
                ? statements.recordCompletions(dsl, outcomes.get(0).taskId(), outcomes, scope, limit, System.nanoTime())
                : statements.recordCompletionsAndWake(dsl, outcomes, scope, limit, System.nanoTime(), wake, dependents(batch));
        Set<Integer> steps = new HashSet<>();
        Set<Integer> tasks = new LinkedHashSet<>();
        outcomes.forEach(o -> {
            steps.add(o.stepId());
            tasks.add(o.taskId());
        });
        return new Batch(steps, tasks, recorded.claims());
    }

    /** The direct dependents of a batch's steps, each once: what its outcomes may have released. */
    private static Set<Integer> dependents(List<Completion> batch) {
        Set<Integer> all = new LinkedHashSet<>();
        batch.forEach(c -> all.addAll(c.dependents()));
        return all;
    }

    /** After outcomes committed: the policy's turn (a worker settles what they may have finished). */
    private void committed(Set<Integer> tasks, Set<Integer> steps, List<Claim> claims) {
        try {
            policy.committed(tasks, steps, claims, this::holdsOf);
        } catch (RuntimeException e) {
            // The outcomes are committed: an idle worker settles what this left active (WorkerLoop's backstop).
            LOG.warn("tasks {}: after their outcomes committed: {}; left to the idle backstop", tasks, Retries.rootMessage(e));
        }
    }

    /** Splits claims made together: each completion gets one to go on with first, then its other slots, then its places ahead. */
    static IdentityHashMap<Completion, List<Claim>> share(List<Completion> group, List<Claim> claims) {
        // Taken in order by index (removing the first of hundreds of claims, one by one, shifted the rest each time)
        int next = 0;
        IdentityHashMap<Completion, List<Claim>> each = new IdentityHashMap<>();
        group.forEach(c -> each.put(c, new ArrayList<>()));
        for (int round = 0; next < claims.size() && round < 3; round++) {
            for (Completion c : group) {
                int quota = round == 0 ? Math.min(1, c.held()) : round == 1 ? c.held() : c.limit();
                List<Claim> mine = each.get(c);
                while (next < claims.size() && mine.size() < quota) {
                    mine.add(claims.get(next++));
                }
            }
        }
        return each;
    }

    /**
     * Records a failure, in a transaction with what it does besides: a failure for good skips (or, when
     * cancelled, cancels) what waits for it. It claims nothing; once committed, the policy settles as after a batch.
     */
    void fail(TaskGraph graph, ClaimStatements.Outcome outcome, Stop stop) {
        reached(outcome.stepId());
        retries.write(() -> dsl.transaction(tx -> {
            DSLContext t = tx.dsl();
            var recorded = statements.record(t, outcome, null, 0, System.nanoTime());
            if (recorded.recorded() && outcome.status() != StepStatus.NEW) {
                skipDownstream(t, graph, outcome.stepId(), stop, outcome.status());
            }
        }));
        // whether or not it counted, as a batch: another step of the task may have left the settling to this one
        committed(Set.of(outcome.taskId()), Set.of(outcome.stepId()), List.of());
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

    /**
     * Gives a claim back: the step is new again and its attempt is marked released. When it was no longer this
     * worker's (taken over, maybe recorded elsewhere), the task is settled as after a batch: another step of it
     * may have left the settling to this one. Given back, it is new: its task is not done.
     */
    void release(Claim claim, String logTail, String why) {
        reached(claim.stepId());
        int updated = retries.write(() -> dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            int mine = t.update(STEPS)
                    .set(STEPS.STATUS, RELEASED)
                    .setNull(STEPS.LEASE_OWNER)
                    .setNull(STEPS.LEASE_EXPIRES_AT)
                    .where(STEPS.ID.eq(claim.stepId())).and(STEPS.ATTEMPT.eq(claim.attempt()))
                    .and(STEPS.LEASE_OWNER.eq(workerId)).and(STEPS.STATUS.eq(StepStatus.ACTIVE.dbValue()))
                    .execute();
            t.update(STEP_RUNS)
                    .set(STEP_RUNS.FINISHED_AT, currentOffsetDateTime())
                    .set(STEP_RUNS.OUTCOME, (mine == 0 ? AttemptOutcome.ABANDONED : AttemptOutcome.RELEASED).dbValue())
                    .set(STEP_RUNS.ERROR, why)
                    .set(STEP_RUNS.LOG_TAIL, logTail)
                    .where(STEP_RUNS.STEP_ID.eq(claim.stepId())).and(STEP_RUNS.ATTEMPT.eq(claim.attempt()))
                    .and(STEP_RUNS.FINISHED_AT.isNull())
                    .execute();
            if (mine > 0) {
                engine.notifyWorkers(t);
            }
            return mine;
        }));
        if (updated == 0) {
            committed(Set.of(claim.taskId()), Set.of(claim.stepId()), List.of());
        }
    }
}
