package dev.tasksync.internal.engine;

import dev.tasksync.RunListener;
import dev.tasksync.Step;
import dev.tasksync.StepResult;
import dev.tasksync.WorkerOptions;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Claims runnable steps and executes them on the engine's shared threads, one {@link Slots slot} each,
 * under leases its {@link LeaseKeeper} keeps; each executing thread records its own outcome through the
 * {@link Completer}, which claims the next steps in the same statement, and goes on with the first of them.
 * What it claims is its {@link ClaimPolicy}'s: an in-process run's ({@link TaskRun}) or a worker's
 * ({@link WorkerLoop}). The path of one step: claim → {@link StepExecution} → record (and claim next).
 *
 * <p>Threads: the loop of the run or worker claims when it is woken; executing threads run, record and
 * claim on; the timer fences leases and times steps out; a work thread beats. The runner's state is
 * {@link #running} (every execution claimed and not yet recorded, so that heartbeats cover it), its slots,
 * and the graphs of the tasks it claimed from; each is safe to read and write from all of them.
 */
final class StepRunner implements AutoCloseable, Slots.Starter {
    private static final Logger LOG = LoggerFactory.getLogger(StepRunner.class);

    private final Engine engine;
    private final String workerId;
    private final WorkerOptions options;
    private final RunListener listener;
    private final ClaimPolicy policy;
    private final DSLContext dsl;
    private final Map<Integer, TaskGraph> graphs = new ConcurrentHashMap<>();
    private final Map<Integer, Execution> running = new ConcurrentHashMap<>();
    private final Set<Integer> executed = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<Object> wake = new LinkedBlockingQueue<>();
    private final ExecutorService pool;
    private final ClaimStatements statements;
    private final Retries retries;
    private final Slots slots;
    private final LeaseKeeper leases;
    private final StepExecution execution;
    private final Completer completer;
    /** Executions of this runner on the shared threads, started and not yet finished. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong claimedCount = new AtomicLong();
    /** Per recording thread, what the completions of the batch it recorded claimed, to place after it (afterBatch). */
    private final ThreadLocal<List<Runnable>> placing = ThreadLocal.withInitial(ArrayList::new);
    /** Per recording thread, the steps of the batch it recorded whose end the listener is yet to hear (afterBatch). */
    private final ThreadLocal<List<Integer>> unheard = ThreadLocal.withInitial(ArrayList::new);
    /** Per recording thread, the step it goes on with once it stops recording (see placeLater). */
    private final ThreadLocal<Execution[]> goOn = ThreadLocal.withInitial(() -> new Execution[1]);

    StepRunner(Engine engine, String workerId, WorkerOptions options, RunListener listener, ClaimPolicy policy,
               TaskGraph graph) {
        this.engine = engine;
        this.dsl = engine.dsl();
        this.workerId = workerId;
        this.options = options;
        this.listener = listener;
        this.policy = policy;
        // a worker claims by its labels and Docker engine; an in-process run claims its task wherever it is
        this.statements = new ClaimStatements(engine.tables(), workerId, options.lease(), engine.metrics(),
                policy.placed() ? Placement.of(engine.registry(), options) : null);
        LeaseOwners leaseOwners = engine.leaseOwners();
        leaseOwners.register(workerId, options.lease(), options.heartbeat());
        this.retries = new Retries(options.lease(), engine.metrics());
        this.slots = new Slots(options.concurrency(), policy.lookahead(), policy.maxLookahead(), policy.scansAhead(), this);
        if (graph != null) {
            graphs.put(graph.taskId(), graph);
        }
        this.pool = engine.threads().work;
        this.execution = new StepExecution(engine, listener, engine.threads().timer, retries, options.concurrency());
        this.completer = new Completer(engine, workerId, statements, policy, retries, running,
                stepId -> slots.nothingQueued() && running.size() == 1 && running.containsKey(stepId));
        this.leases = new LeaseKeeper(dsl, statements, leaseOwners, options, running, engine.threads());
    }

    /** Completions queued for a recorder and not taken yet (for tests and diagnostics). */
    int queuedOutcomes() {
        return completer.queued();
    }

    /** Steps this runner claimed so far. */
    long claimedCount() {
        return claimedCount.get();
    }

    Set<Integer> executed() {
        return executed;
    }

    /** The steps claimed and not yet recorded (running, or claimed ahead). */
    Set<Integer> running() {
        return Collections.unmodifiableSet(running.keySet());
    }

    int free() {
        return slots.free();
    }

    /** Candidates a claim looks at, at most: enough for every slot and place ahead, including those the look-ahead grew by. */
    int maxCandidates() {
        return ClaimPolicy.maxCandidates(options.concurrency() + slots.lookahead() - policy.lookahead());
    }

    /** Wakes {@link #await} (a notification, a finished step, a shutdown). */
    void wakeUp() {
        wake.offer(Boolean.TRUE);
    }

    /** Waits until something may have changed, at most {@code max}. */
    void await(Duration max) throws InterruptedException {
        if (wake.poll(Math.max(1, max.toMillis()), TimeUnit.MILLISECONDS) != null) {
            wake.clear();
        }
    }

    // ---- claiming

    /**
     * Claims runnable steps for the free slots: new with every dependency completed, or active with an
     * expired lease; as the policy scans (the run's task, or any task for a worker).
     */
    List<Claim> claim() {
        return claim(policy.scan());
    }

    /** Claims in {@code scope}: one statement, committed by itself (the engine's connections are in autocommit mode). */
    List<Claim> claim(ClaimStatements.Scope scope) {
        try (Slots.Reservation reserved = slots.forClaim()) {
            if (reserved.limit() == 0) {
                return List.of();
            }
            long leaseFrom = System.nanoTime();
            var submitting = policy.takeSubmit();
            List<Claim> claims = retries.conflicts(() -> statements.claim(dsl, scope, reserved.limit(), leaseFrom, submitting,
                    policy::submitted));
            loadGraphs(claims);
            return reserved.place(claims);
        }
    }

    /** Counts the claims and loads the graph of each claimed step's task this runner has not seen (or saw before the step was added). */
    private void loadGraphs(List<Claim> claims) {
        claimedCount.addAndGet(claims.size());
        if (!claims.isEmpty()) {
            policy.took(claims);
        }
        for (Claim c : claims) {
            TaskGraph g = graphs.get(c.taskId());
            if (g == null || !g.contains(c.stepId())) {
                // As stored, not the planner's load (every step's settings parsed and checked): StoredGraphs
                graphs.put(c.taskId(), StoredGraphs.load(dsl, engine.tables(), c.taskId()));
            }
        }
    }

    // ---- executing

    /** Starts a claimed step on the pool; its slot was reserved by the claim. */
    void start(Claim claim) {
        launch(track(claim));
    }

    @Override
    public Execution track(Claim claim) {
        Execution e = new Execution(claim, leases.validUntil(claim.leaseFrom()));
        running.put(claim.stepId(), e);
        return e;
    }

    /** Runs a tracked execution on the pool; it holds a slot. */
    @Override
    public void launch(Execution first) {
        inFlight.incrementAndGet();
        pool.execute(() -> {
            try {
                runFrom(first);
            } finally {
                if (inFlight.decrementAndGet() == 0) {
                    synchronized (inFlight) {
                        inFlight.notifyAll();
                    }
                }
            }
        });
    }

    /**
     * Executes a step and records it; a completion may claim the steps it released, and this thread
     * then goes on with the first of them while the others start on other threads.
     *
     * <p>An in-process run's completions (and since s21 a worker's) are recorded without their thread waiting ({@link ClaimPolicy#recordsWithoutWaiting}):
     * the thread queues the completion and goes on at once with a step claimed ahead, if there is one, in the slot
     * the ended step had; whichever thread holds a recorder records the queued completions together and starts what
     * they claimed. The step stays among the running (its lease renewed) until its outcome is committed, and what
     * follows from the outcome (the ready set, the listener's stepFinished, what it claimed) waits for the commit.
     */
    private void runFrom(Execution first) {
        Execution current = first;
        while (current != null) {
            Claim c = current.claim;
            List<Claim> next = List.of();
            executed.add(c.stepId());
            current.bind(Thread.currentThread());
            boolean later = false;
            try {
                Ran ran = execute(current);
                if (policy.recordsWithoutWaiting() && ran.completed()) {
                    completeLater(ran);
                    later = true;
                } else {
                    launchTaken(current);
                    next = record(ran);
                }
            } catch (Throwable e) {
                // Whatever failed (the database, or an Error while recording), the slot is freed below; the step's
                // lease is no longer renewed, so it is claimed again once it expires.
                LOG.error("step {}: recording its outcome failed", c.stepId(), e);
                launchTaken(current);
            } finally {
                if (!later) {
                    // running first, then recording: see Completer#holdsOf
                    running.remove(c.stepId());
                    completer.forget(c.stepId());
                }
                Thread.interrupted();
            }
            if (later) {
                Execution taken = current.taken;
                current.taken = null;
                if (completer.takeRecorder()) {
                    // this thread records: the step claimed ahead goes to another thread, as when a step's own thread records
                    if (taken != null) {
                        launch(taken);
                    }
                    try {
                        completer.recordQueued(this::afterBatch);
                    } catch (Throwable e) {
                        LOG.error("recording outcomes failed", e);
                    } finally {
                        // a step its recordings claimed into a slot of theirs, kept for this thread (see placeLater)
                        Execution[] kept = goOn.get();
                        current = kept[0];
                        kept[0] = null;
                    }
                } else {
                    current = taken; // null when none was queued: the completion keeps the slot for what it claims
                }
            } else if (current.handedOff) {
                next.forEach(this::start); // claims for other free slots; this one's slot was handed on
                current = null;
                wakeUp();
            } else if (next.isEmpty()) {
                current = null;
                slots.free(1);
                wakeUp();
            } else {
                current = track(next.get(0));
                next.subList(1, next.size()).forEach(this::start);
                if (next.size() != 1) {
                    wakeUp();
                }
            }
        }
    }

    /** An execution that ended, with what recording it needs. */
    private record Ran(Execution execution, TaskGraph graph, String type, long startedAt, StepExecution.Ended ended) {
        /** Completed (not let go): recorded without its thread waiting where the policy says so (see {@link #runFrom}). */
        boolean completed() {
            return !ended.letGo() && ended.completed();
        }
    }

    /** A step claimed ahead that this execution's thread took to go on with but will not: it starts on another thread. */
    private void launchTaken(Execution current) {
        Execution taken = current.taken;
        current.taken = null;
        if (taken != null) {
            launch(taken);
        }
    }

    /** Executes a claimed step; its slot goes on to a step claimed ahead as soon as it ended (see Slots#handOff). */
    private Ran execute(Execution current) {
        Claim claim = current.claim;
        TaskGraph graph = graphs.get(claim.taskId());
        String type = graph.types().get(claim.stepId());
        long startedAt = System.nanoTime();
        engine.metrics().attemptStarted(type, claim.leaseFrom());
        boolean later = policy.recordsWithoutWaiting();
        // Once it ended, its slot goes to a step claimed ahead, if there is one, before its outcome is recorded; how long
        // it ran tells the slots whether it waited on a recording (see Slots#handOff). Recorded later, the step
        // is taken unstarted: this thread goes on with it unless it fails, or records (see runFrom).
        StepExecution.Ended ended = execution.execute(current, graph, () -> {
            Execution next = slots.handOff(System.nanoTime() - startedAt, !later);
            current.handedOff = next != null;
            current.taken = later ? next : null;
        });
        return new Ran(current, graph, type, startedAt, ended);
    }

    /** Records how a step ended, its thread waiting; returns the steps claimed along with it. */
    private List<Claim> record(Ran ran) {
        Execution current = ran.execution();
        Claim claim = current.claim;
        TaskGraph graph = ran.graph();
        int id = claim.stepId();
        StepExecution.Ended ended = ran.ended();
        if (ended.letGo()) {
            // Not the step's failure: give the claim back (a no-op when another worker already holds it).
            completer.release(claim, ended.logTail(), ended.stop() == Stop.RELEASED ? "worker " + workerId + " shut down" : "lease lost");
            policy.released(id);
            engine.metrics().attemptEnded(ran.type(), ended.attemptOutcome(), ran.startedAt());
            return List.of();
        }
        List<Claim> next = List.of();
        if (ended.completed()) {
            next = completeAndClaim(graph, current, ended.outcome());
        } else {
            completer.fail(graph, ended.outcome(), ended.stop());
        }
        recorded(ran);
        return next;
    }

    /** After the outcome committed: metrics, the policy, the listener. */
    private void recorded(Ran ran) {
        int id = ran.execution().stepId();
        counted(ran);
        if (listener != RunListener.NONE) {
            heard(Store.step(dsl, id));
        }
    }

    /** After the outcome committed: metrics and the policy. */
    private void counted(Ran ran) {
        StepExecution.Ended ended = ran.ended();
        engine.metrics().attemptEnded(ran.type(), ended.attemptOutcome(), ran.startedAt());
        policy.recorded(ran.graph(), ran.execution().stepId(), ended.completed(), ended.gaveUp());
    }

    private void heard(Step stored) {
        listener.stepFinished(new StepResult(stored.id(), stored.title(), stored.status(), stored.results(), stored.duration(),
                true, workerId));
    }

    /**
     * The listener hears the ends of the batch just recorded, read back in one query (read one by one, that was a
     * query per step on the recording thread), before anything the batch claimed is placed.
     */
    private void hearBatch() {
        List<Integer> ids = unheard.get();
        if (ids.isEmpty()) {
            return;
        }
        try {
            for (Step stored : Store.steps(dsl, ids)) {
                try {
                    heard(stored);
                } catch (Throwable e) {
                    LOG.error("step {}: after its outcome was recorded", stored.id(), e);
                }
            }
        } catch (Throwable e) {
            LOG.error("steps {}: reading them back for the run's listener", ids, e);
        } finally {
            ids.clear();
        }
    }

    /**
     * Records a completion with a claim of what it released, for the slot it frees (unless it was handed on)
     * and any other free one, and places ahead: the steps it returns are this runner's to start.
     */
    private List<Claim> completeAndClaim(TaskGraph graph, Execution current, ClaimStatements.Outcome outcome) {
        int id = outcome.stepId();
        List<Integer> dependents = graph.graph().directDownstreamOf(id);
        boolean claiming = slots.open() && policy.claimsAfter(dependents, running.keySet());
        // Completions go together even when they claim nothing (the slot was handed on, none is free).
        try (Slots.Reservation reserved = slots.forCompletion(!current.handedOff, claiming)) {
            List<Claim> claims = completer.complete(new Completer.Completion(outcome, reserved.limit(),
                    reserved.held(), dependents));
            loadGraphs(claims);
            return reserved.place(claims);
        }
    }

    /**
     * Queues a completion (as {@link #completeAndClaim} reserves for it) for whichever thread records; once it
     * committed, {@link #completedLater} on that thread. Counted in flight until then.
     */
    private void completeLater(Ran ran) {
        Execution current = ran.execution();
        ClaimStatements.Outcome outcome = ran.ended().outcome();
        List<Integer> dependents = ran.graph().graph().directDownstreamOf(outcome.stepId());
        boolean claiming = slots.open() && policy.claimsAfter(dependents, running.keySet());
        Slots.Reservation reserved = slots.forCompletion(!current.handedOff, claiming);
        Completer.Completion completion = new Completer.Completion(outcome, reserved.limit(), reserved.held(), dependents);
        inFlight.incrementAndGet();
        completion.claims().whenComplete((claims, failure) -> completedLater(ran, reserved, claims, failure));
        completer.enqueue(completion);
    }

    /**
     * A completion queued by {@link #completeLater} was recorded (or its recording failed), on the recording thread:
     * first what follows from its outcome (the ready set, the listener); what it claimed is placed only once every
     * completion of the batch was heard of ({@link #afterBatch}), so that no step it released starts before the
     * listener heard that the steps it waited for ended.
     */
    private void completedLater(Ran ran, Slots.Reservation reserved, List<Claim> claims, Throwable failure) {
        try {
            if (failure != null) {
                LOG.error("step {}: recording its outcome failed", ran.execution().stepId(), failure);
            } else {
                counted(ran);
                if (listener != RunListener.NONE) {
                    unheard.get().add(ran.execution().stepId()); // heard with the rest of the batch (afterBatch)
                }
            }
        } catch (Throwable e) {
            LOG.error("step {}: after its outcome was recorded", ran.execution().stepId(), e);
        } finally {
            placing.get().add(() -> placeLater(ran, reserved, failure == null ? claims : null));
        }
    }

    /** Places and starts what the batch just recorded claimed (see {@link #completedLater}); on the recording thread. */
    private void afterBatch() {
        hearBatch();
        List<Runnable> each = placing.get();
        try {
            for (Runnable r : each) {
                r.run();
            }
        } finally {
            each.clear();
        }
    }

    /**
     * The step leaves the running, and what its recording claimed starts (the first on the slot it kept, unless that
     * went on); claims null: its recording failed, and the slot it kept is freed.
     */
    private void placeLater(Ran ran, Slots.Reservation reserved, List<Claim> claims) {
        Execution current = ran.execution();
        int id = current.stepId();
        List<Claim> mine = List.of();
        try (reserved) {
            if (claims != null) {
                loadGraphs(claims);
                mine = reserved.place(claims);
            }
        } catch (Throwable e) {
            LOG.error("step {}: placing what its recording claimed", id, e);
        } finally {
            running.remove(id);
            completer.forget(id);
            try {
                if (mine.isEmpty()) {
                    if (!current.handedOff) {
                        slots.free(1);
                    }
                } else {
                    // The first claim takes the slot the step kept: this recording thread goes on with it once it stopped
                    // recording (a chain's next step then runs on the thread that recorded the one before, as when a
                    // step's own thread records), unless it has one already.
                    int from = 0;
                    Execution[] kept = goOn.get();
                    if (!current.handedOff && kept[0] == null) {
                        kept[0] = track(mine.get(0));
                        from = 1;
                    }
                    mine.subList(from, mine.size()).forEach(this::start);
                }
            } finally {
                wakeUp();
                if (inFlight.decrementAndGet() == 0) {
                    synchronized (inFlight) {
                        inFlight.notifyAll();
                    }
                }
            }
        }
    }

    /** Gives back the steps claimed ahead that have not started (the run ends or the runner shuts down). */
    @Override
    public void giveBack(List<Execution> executions) {
        if (executions.isEmpty()) {
            return;
        }
        boolean interrupted = Thread.interrupted(); // an interrupted run still gives its claims back
        try {
            for (Execution e : executions) {
                running.remove(e.stepId());
                try {
                    completer.release(e.claim, "", "the run ended before the step started");
                    policy.released(e.stepId());
                } catch (RuntimeException ex) {
                    LOG.warn("step {}: could not give back its claim, its lease will expire: {}", e.stepId(), Retries.rootMessage(ex));
                } finally {
                    completer.forget(e.stepId());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void releaseQueued() {
        giveBack(slots.drainQueued());
    }

    /**
     * An in-process run's loop ended: stop claiming, give back what was claimed ahead, and when the caller's thread
     * was interrupted (or the loop failed) cancel what runs, so that steps stop and their containers go.
     */
    void endRun() {
        slots.close();
        releaseQueued();
        if (Thread.currentThread().isInterrupted() || !running.isEmpty()) {
            running.values().forEach(x -> x.stop(Stop.CANCELLED));
        }
    }

    /** Waits until no execution of this runner is in flight, at most {@code max}; true when none is. */
    private boolean awaitIdle(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (inFlight) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(inFlight, left);
            }
        }
        return true;
    }

    /** Stops claiming; waits up to {@code grace} for running steps, then releases the rest. */
    void shutdown(Duration grace) {
        slots.close();
        releaseQueued();
        try {
            if (!awaitIdle(grace)) {
                running.values().forEach(e -> e.stop(Stop.RELEASED));
                awaitIdle(Duration.ofMillis(Math.max(1_000, options.lease().toMillis())));
            }
            releaseQueued(); // claimed ahead by an outcome recorded meanwhile
        } catch (InterruptedException e) {
            running.values().forEach(x -> x.stop(Stop.RELEASED));
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        boolean interrupted = Thread.interrupted(); // wait for the cancelled steps to record, then restore
        shutdown(Duration.ofMinutes(10));
        leases.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
