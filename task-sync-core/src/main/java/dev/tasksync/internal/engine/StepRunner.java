package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.AttemptOutcome;
import dev.tasksync.RunListener;
import dev.tasksync.StepResult;
import dev.tasksync.StepStatus;
import dev.tasksync.WorkerOptions;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.types.ExecutionPolicy;
import dev.tasksync.internal.types.ParsedSettings;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.spi.UpstreamStep;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;
import static org.jooq.impl.DSL.currentOffsetDateTime;

/**
 * Claims runnable steps, executes them on a bounded pool under a lease kept alive by a heartbeat,
 * and records each outcome fenced by attempt. Used by {@code TaskSync.run} (claims of one task)
 * and by workers (claims of any task).
 */
final class StepRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StepRunner.class);
    private static final Logger STEP_LOG = LoggerFactory.getLogger("dev.tasksync.step");

    /** Why an execution was stopped before it ended by itself. */
    enum Stop { TIMED_OUT, CANCELLED, LEASE_LOST, RELEASED }

    /**
     * A step claimed by this runner; {@code leaseFrom} is the System.nanoTime() taken before the
     * statement that set its lease, from which the lease surely still holds.
     */
    record Claim(int stepId, int taskId, int attempt, JsonNode settings, JsonNode inputs, JsonNode lastResults,
                 long leaseFrom) {
    }

    private final Engine engine;
    private final DSLContext dsl;
    private final String workerId;
    private final WorkerOptions options;
    private final RunListener listener;
    private final Integer taskFilter;
    private final Map<Integer, TaskGraph> graphs = new ConcurrentHashMap<>();
    private final Map<Integer, Execution> running = new ConcurrentHashMap<>();
    private final Set<Integer> executed = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<Object> wake = new LinkedBlockingQueue<>();
    /** In-process runs: steps whose dependencies this runner saw complete, and how many each still waits for. */
    private final Set<Integer> ready = new java.util.concurrent.ConcurrentSkipListSet<>(); // in id order, as claims take them
    private final Map<Integer, AtomicInteger> waitingOn = new ConcurrentHashMap<>();
    private final ExecutorService pool;
    private final ScheduledExecutorService timer;
    private final ScheduledFuture<?> beatTask;
    private final ScheduledFuture<?> fenceTask;
    private final java.util.concurrent.atomic.AtomicBoolean beating = new java.util.concurrent.atomic.AtomicBoolean();
    /** Executions of this runner on the shared threads, started and not yet finished. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ClaimStatements statements;
    private final LeaseOwners leaseOwners;
    /** Steps held by other owners that this run was told about (step id and attempt), so that each is told once. */
    private final Set<List<Integer>> heldReported = new HashSet<>();
    /** Steps this run was told others hold (see {@link #reportHeld}), with their owner, until they are seen to end. */
    private final Map<Integer, String> heldElsewhere = new HashMap<>();
    /** Steps others executed whose end this run told its listener of. */
    private final Set<Integer> reportedElsewhere = new HashSet<>();
    /** Execution slots not taken: a claim reserves its slots first, so concurrent claimers never overbook. */
    private final AtomicInteger slots;
    /**
     * In-process runs claim up to this many steps ahead of their slots: a step that ends hands its slot
     * straight to one of them, and its outcome is recorded while that one already runs. Workers claim
     * none ahead, so that they never hold steps another worker could run now.
     */
    private final int lookahead;
    /** Claimed ahead, not started yet (also in {@link #running}, so that heartbeats keep their leases). */
    private final java.util.concurrent.ConcurrentLinkedQueue<Execution> queued = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** An in-process run's submit, until its first claim sends it. */
    private final AtomicReference<ResultQuery<Record>> submit = new AtomicReference<>();
    /** The task as the recording of an in-process run's last step settled it (with its steps), if it did. */
    private volatile Engine.Settled settledAtEnd;
    /** Places left in {@link #queued}: a claim reserves them first, as it does slots. */
    private final AtomicInteger room;
    /** False once the runner stops taking work (shutdown, or the run was interrupted). */
    private volatile boolean claiming = true;
    private final java.util.concurrent.atomic.AtomicLong claimedCount = new java.util.concurrent.atomic.AtomicLong();

    StepRunner(Engine engine, String workerId, WorkerOptions options, RunListener listener, Integer taskFilter,
               TaskGraph graph) {
        this.engine = engine;
        this.dsl = engine.dsl();
        this.workerId = workerId;
        this.options = options;
        this.listener = listener;
        this.taskFilter = taskFilter;
        // across16: a worker (no task filter) claims by its labels and Docker engine; an in-process run claims its task anywhere
        this.statements = new ClaimStatements(engine.tables(), workerId, options.lease(),
                taskFilter == null ? Placement.of(engine.registry(), options) : null);
        this.leaseOwners = engine.leaseOwners();
        leaseOwners.register(workerId, options.lease(), options.heartbeat());
        this.slots = new AtomicInteger(options.concurrency());
        this.lookahead = taskFilter != null ? options.concurrency() : 0;
        this.room = new AtomicInteger(lookahead);
        if (graph != null) {
            graphs.put(graph.taskId(), graph);
        }
        this.pool = engine.threads().work;
        this.timer = engine.threads().timer;
        long beat = options.heartbeat().toMillis();
        // The heartbeat may block on an unreachable database: it runs on a work thread, so that the
        // timer stays free for self-fencing and timeouts.
        this.beatTask = timer.scheduleWithFixedDelay(() -> {
            if (beating.compareAndSet(false, true)) {
                try {
                    pool.execute(() -> {
                        try {
                            heartbeatQuietly();
                        } finally {
                            beating.set(false);
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    beating.set(false); // the engine is closing
                }
            }
        }, beat, beat, TimeUnit.MILLISECONDS);
        this.fenceTask = timer.scheduleWithFixedDelay(this::fenceExpired, beat / 2 + 1, beat / 2 + 1, TimeUnit.MILLISECONDS);
    }

    /**
     * Seeds the ready set of an in-process run: of the steps to run, those whose dependencies are
     * all outside that set (completed already) are ready; the others wait for their count of them.
     */
    void expect(java.util.Collection<Integer> toRun, TaskGraph graph) {
        Set<Integer> runSet = new HashSet<>(toRun);
        for (int id : toRun) {
            int unfinished = (int) graph.graph().directUpstreamOf(id).stream().filter(runSet::contains).count();
            if (unfinished == 0) {
                ready.add(id);
            } else {
                waitingOn.put(id, new AtomicInteger(unfinished));
            }
        }
    }

    /** A step completed here: its dependents that now wait for nothing are ready. */
    private void released(TaskGraph graph, int stepId) {
        ready.remove(stepId);
        for (int dependent : graph.graph().directDownstreamOf(stepId)) {
            AtomicInteger count = waitingOn.get(dependent);
            if (count != null && count.decrementAndGet() == 0) {
                waitingOn.remove(dependent);
                ready.add(dependent);
            }
        }
    }

    /** Up to {@code max} ready steps not running yet: the candidates of an in-process claim. */
    private List<Integer> readyCandidates(int max) {
        return ready.stream().filter(id -> !running.containsKey(id)).limit(max).toList();
    }

    /**
     * The submit of an in-process run, left to go with its first claim in one round trip: nothing can be
     * claimed before it anyway.
     */
    void submitWithFirstClaim(ResultQuery<Record> statement) {
        submit.set(statement);
    }

    /** The pending submit, taken once. */
    private ResultQuery<Record> takeSubmit() {
        return submit.getAndSet(null);
    }

    /** Sends the pending submit by itself, if no claim carried it. */
    private void submitAlone() {
        var statement = takeSubmit();
        if (statement != null) {
            Engine.requireFound(statement.fetch(), taskFilter);
        }
    }

    /** Claims from the ready set while steps run here; scans the task only when nothing does. */
    private List<Claim> claimNext() {
        List<Integer> candidates = readyCandidates(options.concurrency() * 2 + 8);
        List<Claim> claims = candidates.isEmpty() ? List.of() : claim(ClaimStatements.Scope.only(candidates));
        // Nothing of ours runs and nothing we released is claimable, yet steps still wait: look at the
        // whole task (steps completed by other workers release steps this runner does not know about).
        // When nothing waits either, the loop asks what is pending before it scans.
        boolean expecting = !ready.isEmpty() || !waitingOn.isEmpty();
        if (claims.isEmpty() && running.isEmpty() && expecting) {
            claims = claim();
        }
        submitAlone(); // the first claim carried the submit; if none was made, it goes now
        return claims;
    }

    /** Steps this runner claimed so far. */
    long claimedCount() {
        return claimedCount.get();
    }

    Set<Integer> executed() {
        return executed;
    }

    /** Steps executed by another run or worker whose end the listener was told of. */
    Set<Integer> reportedElsewhere() {
        return reportedElsewhere;
    }

    int free() {
        return slots.get();
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

    /**
     * The in-process loop of {@code run(task)}: until the task has nothing left to run. Returns the
     * task as settled (its final status, and its steps as then stored) when it ended with no step new
     * or active, else null.
     */
    Engine.Settled drainTask(Engine engine) {
        int taskId = taskFilter;
        try {
            while (true) {
                List<Claim> claims = claimNext();
                claims.forEach(this::start);
                if (!claims.isEmpty() || running.size() > 0) {
                    if (running.size() > 0 && (free() == 0 || claims.isEmpty())) {
                        await(options.pollInterval());
                    }
                    continue;
                }
                // Settled already when the last step's outcome was recorded.
                Engine.Settled settled = settledAtEnd != null ? settledAtEnd : engine.settleIfDone(taskId);
                if (settled != null) {
                    return settled;
                }
                Engine.Pending pending = engine.pending(taskId);
                reportHeld(pending);
                if (pending.active() == 0 && pending.nextRetry() == null) {
                    // A step may have completed after the last claim looked: look once more.
                    List<Claim> late = claim();
                    if (late.isEmpty()) {
                        return null; // nothing held elsewhere, no retry due: whatever is still new cannot run
                    }
                    late.forEach(this::start);
                    continue;
                }
                Duration wait = options.pollInterval();
                if (pending.nextRetry() != null) {
                    Duration untilRetry = Duration.between(OffsetDateTime.now(), pending.nextRetry());
                    wait = untilRetry.isNegative() ? Duration.ofMillis(1) : untilRetry.compareTo(wait) < 0 ? untilRetry : wait;
                }
                await(wait.compareTo(Duration.ofMillis(50)) > 0 && pending.active() > 0 ? Duration.ofMillis(50) : wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            claiming = false;
            releaseQueued();
            // The caller's thread was interrupted (or the loop failed): cancel what runs, so that
            // steps stop and their containers go, instead of waiting for them.
            if (Thread.currentThread().isInterrupted() || !running.isEmpty()) {
                running.values().forEach(x -> x.stop(Stop.CANCELLED));
            }
        }
    }

    /** Tells the listener, once per step and attempt, of the steps this run waits for that others hold. */
    private void reportHeld(Engine.Pending pending) {
        if (!heldElsewhere.isEmpty()) {
            reportEndedElsewhere(pending);
        }
        for (Engine.Held h : pending.held()) {
            if (!running.containsKey(h.stepId()) && heldReported.add(List.of(h.stepId(), h.attempt()))) {
                String owner = workerId.equals(h.owner()) ? h.owner() + " (another run of this process)" : h.owner();
                listener.waitingForLease(h.stepId(), h.title(), owner, h.until());
                if (listener != RunListener.NONE && h.owner() != null) {
                    heldElsewhere.put(h.stepId(), h.owner());
                }
            }
        }
    }

    /**
     * Tells the listener of the steps held elsewhere that are no longer active: executed there (completed, failed,
     * or failed and waiting for another attempt), or given back (then nothing is told; whoever takes it next is).
     */
    private void reportEndedElsewhere(Engine.Pending pending) {
        Set<Integer> stillHeld = new HashSet<>();
        pending.held().forEach(h -> stillHeld.add(h.stepId()));
        for (var it = heldElsewhere.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (stillHeld.contains(e.getKey()) || running.containsKey(e.getKey())) {
                continue;
            }
            var step = Store.step(dsl, e.getKey());
            if (step.status() == StepStatus.ACTIVE) {
                continue; // held still (beyond the first of them that pending lists), or taken over
            }
            it.remove();
            var last = lastRun(e.getKey());
            if (last == null || !e.getValue().equals(last.workerId()) || last.finishedAt() == null
                    || last.is(AttemptOutcome.RELEASED) || last.is(AttemptOutcome.ABANDONED)) {
                continue;
            }
            Duration took = last.startedAt() != null && !last.finishedAt().isBefore(last.startedAt())
                    ? Duration.between(last.startedAt(), last.finishedAt()) : Duration.ZERO;
            if (step.status() != StepStatus.NEW) {
                reportedElsewhere.add(step.id());
            }
            listener.stepFinished(new StepResult(step.id(), step.title(), step.status(), step.results(), took, false, last.workerId()));
        }
    }

    /** A step's last attempt as its history has it, or null. */
    private dev.tasksync.StepRun lastRun(int stepId) {
        var r = dsl.selectFrom(STEP_RUNS).where(STEP_RUNS.STEP_ID.eq(stepId)).orderBy(STEP_RUNS.ATTEMPT.desc(), STEP_RUNS.ID.desc())
                .limit(1).fetchOne();
        return r == null ? null : new dev.tasksync.StepRun(r.getId(), r.getStepId(), r.getAttempt(), r.getWorkerId(), r.getStartedAt(),
                r.getFinishedAt(), r.getOutcome(), r.getError(), r.getLogTail());
    }

    // ---- claiming

    /** Takes up to {@code wanted} free slots; returns how many it took. */
    private int reserve(int wanted) {
        return take(slots, wanted);
    }

    /** Takes up to {@code wanted} places ahead of the slots; returns how many it took. */
    private int reserveRoom(int wanted) {
        return take(room, wanted);
    }

    private static int take(AtomicInteger free, int wanted) {
        while (true) {
            int left = free.get();
            int take = Math.min(left, wanted);
            if (take <= 0 || free.compareAndSet(left, left - take)) {
                return Math.max(0, take);
            }
        }
    }

    /** Gives slots back, and starts steps claimed ahead on them. */
    private void freeSlots(int n) {
        if (n > 0) {
            slots.addAndGet(n);
        }
        pump();
    }

    /** Starts steps claimed ahead while slots are free. Whoever frees a slot or queues a step calls it. */
    private void pump() {
        while (claiming && !queued.isEmpty() && reserve(1) == 1) {
            Execution e = queued.poll();
            if (e == null) {
                slots.incrementAndGet(); // taken meanwhile; look again
                continue;
            }
            room.incrementAndGet();
            launch(e);
        }
    }

    /**
     * Keeps the claims the caller holds slots for ({@code held}) and queues the rest, which took
     * places reserved ahead; returns the kept ones.
     */
    private List<Claim> keepAndQueue(List<Claim> claims, int held) {
        if (claims.size() <= held) {
            return claims;
        }
        long now = System.nanoTime();
        for (Claim c : claims.subList(held, claims.size())) {
            Execution e = track(c);
            e.queuedAt = now;
            queued.add(e);
        }
        if (!claiming) {
            releaseQueued();
        }
        return claims.subList(0, held);
    }

    /** Gives back the steps claimed ahead that have not started (the run ends or the runner shuts down). */
    private void releaseQueued() {
        if (queued.isEmpty()) {
            return;
        }
        boolean interrupted = Thread.interrupted(); // an interrupted run still gives its claims back
        try {
            for (Execution e; (e = queued.poll()) != null; ) {
                room.incrementAndGet();
                running.remove(e.claim.stepId());
                try {
                    release(e.claim, "", "the run ended before the step started");
                } catch (RuntimeException ex) {
                    LOG.warn("step {}: could not give back its claim, its lease will expire: {}", e.claim.stepId(), rootMessage(ex));
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Claims runnable steps for the free slots: new with every dependency completed, or active with an
     * expired lease; of this runner's task, or of any task for a worker.
     */
    List<Claim> claim() {
        return claim(taskFilter != null ? ClaimStatements.Scope.task(taskFilter) : ClaimStatements.Scope.anyTask());
    }

    private List<Claim> claim(ClaimStatements.Scope scope) {
        int reserved = claiming ? reserve(options.concurrency()) : 0;
        if (reserved == 0) {
            return List.of();
        }
        int ahead = reserveRoom(lookahead);
        List<Claim> kept = List.of();
        int queuedNow = 0;
        try {
            long leaseFrom = System.nanoTime();
            // One statement, committed by itself (the engine's connections are in autocommit mode): one round trip.
            var submitting = takeSubmit();
            List<Claim> claims = retryingConflicts(() -> statements.claim(dsl, scope, reserved + ahead, leaseFrom, submitting,
                    rows -> Engine.requireFound(rows, taskFilter)));
            loadGraphs(claims);
            kept = keepAndQueue(claims, reserved);
            queuedNow = claims.size() - kept.size();
            return kept;
        } finally {
            room.addAndGet(ahead - queuedNow);
            freeSlots(reserved - kept.size());
        }
    }

    /** Counts the claims and loads the graph of each claimed step's task this runner has not seen (or saw before the step was added). */
    private void loadGraphs(List<Claim> claims) {
        claimedCount.addAndGet(claims.size());
        for (Claim c : claims) {
            TaskGraph g = graphs.get(c.taskId());
            if (g == null || !g.contains(c.stepId())) {
                graphs.put(c.taskId(), TaskGraph.of(engine.load(c.taskId())));
            }
        }
    }

    // ---- executing

    /** One execution in flight: its thread can be interrupted until it starts recording. */
    final class Execution {
        final Claim claim;
        volatile Stop stop;
        private Thread thread;
        private boolean recording;
        private ScheduledFuture<?> timeout;
        /** System.nanoTime() by which the lease surely still holds: measured from before the write that set it. */
        volatile long leaseValidUntil;
        /** System.nanoTime() when it was queued, claimed ahead of a free slot; 0 when started at once. */
        volatile long queuedAt;
        /** How long it waited in the queue, in microseconds. */
        long startedLateMicros;
        /** Its slot went to a step claimed ahead as soon as it ended, before its outcome was recorded. */
        boolean handedOff;

        Execution(Claim claim, long leaseValidUntil) {
            this.claim = claim;
            this.leaseValidUntil = leaseValidUntil;
        }

        synchronized void bind(Thread thread) {
            this.thread = thread;
            if (queuedAt != 0) {
                startedLateMicros = (System.nanoTime() - queuedAt) / 1_000;
            }
            if (stop != null) {
                thread.interrupt(); // stopped before it started: do not start the work at all
            }
        }

        synchronized void stop(Stop why) {
            if (stop == null) {
                stop = why;
            }
            if (thread != null && !recording) {
                thread.interrupt();
            }
        }

        synchronized boolean isRecording() {
            return recording;
        }

        synchronized void beginRecording() {
            recording = true;
            if (timeout != null) {
                timeout.cancel(false);
            }
        }

        boolean stopped() {
            return stop != null;
        }
    }

    /** Starts a claimed step on the pool; its slot was reserved by the claim. */
    void start(Claim claim) {
        launch(track(claim));
    }

    /** Runs a tracked execution on the pool; it holds a slot. */
    private void launch(Execution first) {
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
     */
    private void runFrom(Execution first) {
        Execution execution = first;
        while (execution != null) {
            Claim c = execution.claim;
            List<Claim> next = List.of();
            executed.add(c.stepId());
            execution.bind(Thread.currentThread());
            try {
                next = executeAndRecord(execution);
            } catch (Throwable e) {
                // Whatever failed (the database, or an Error while recording), the slot is freed below; the step's
                // lease is no longer renewed, so it is claimed again once it expires.
                LOG.error("step {}: recording its outcome failed", c.stepId(), e);
            } finally {
                running.remove(c.stepId());
                Thread.interrupted();
            }
            if (execution.handedOff) {
                next.forEach(this::start); // claims for other free slots; this one's slot was handed on
                execution = null;
                wakeUp();
            } else if (next.isEmpty()) {
                execution = null;
                freeSlots(1);
                wakeUp();
            } else {
                execution = track(next.get(0));
                next.subList(1, next.size()).forEach(this::start);
                if (next.size() != 1) {
                    wakeUp();
                }
            }
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

    private Execution track(Claim claim) {
        Execution execution = new Execution(claim, claim.leaseFrom() + leaseNanos());
        running.put(claim.stepId(), execution);
        return execution;
    }

    /** Executes a claimed step and records its outcome; returns the steps claimed along with it. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private List<Claim> executeAndRecord(Execution execution) {
        Claim claim = execution.claim;
        TaskGraph graph = graphs.get(claim.taskId());
        int id = claim.stepId();
        String title = graph.titles().get(id);
        listener.stepStarted(id, title);
        LogTail tail = new LogTail();
        StepOutcome outcome;
        ParsedSettings parsed = null;
        try {
            parsed = engine.registry().parse(claim.settings());
            if (parsed.policy().timeout() != null) {
                synchronized (execution) {
                    execution.timeout = timer.schedule(() -> execution.stop(Stop.TIMED_OUT),
                            parsed.policy().timeout().toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            ExecutionContext context = new ExecutionContext(graph.taskId(), graph.taskName(), id, title,
                    claim.attempt(), graph.localPath(), parsed.settings(), parsed.value(), claim.lastResults(),
                    () -> withRetries(() -> upstreamOf(graph, id)), // a database blip is not the step's failure
                    raw -> {
                        String line = LogTail.cap(raw); // a line of any length is kept, logged and shown bounded
                        tail.add(line);
                        STEP_LOG.info("[{} #{}] {}", title, id, line);
                        listener.stepLog(id, line);
                    },
                    execution::stopped, engine::storeId, engine.ignore());
            if (execution.stopped()) {
                throw new InterruptedException(); // stopped while it waited for a slot: do not start it
            }
            outcome = ((StepType) parsed.stepType()).execute(context);
            if (outcome == null) {
                outcome = StepOutcome.failure("step type " + parsed.type() + " returned no outcome");
            }
        } catch (InterruptedException e) {
            outcome = StepOutcome.failure("interrupted");
        } catch (Throwable e) {
            // Errors too (OutOfMemoryError, StackOverflowError): the attempt fails and its slot is given back;
            // an Error escaping here left the step active, its slot taken and the run waiting for it forever.
            if (e instanceof Error) {
                LOG.warn("step {} '{}' threw {}", id, title, e.toString());
            } else {
                LOG.debug("step {} '{}' threw", id, title, e);
            }
            outcome = StepOutcome.failure(e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        execution.beginRecording();
        Thread.interrupted();
        handOff(execution);
        Stop stop = execution.stop;
        if (stop == Stop.TIMED_OUT) {
            outcome = StepOutcome.failure("timed out after " + seconds(parsed.policy().timeout()), outcome.results());
        } else if (stop == Stop.CANCELLED) {
            outcome = StepOutcome.failure("cancelled", outcome.results());
        }
        ObjectNode results = outcome.results().deepCopy();
        Inputs inputs = Inputs.fromJson(claim.inputs());
        if (inputs != null && !inputs.files().isEmpty()) {
            results.set("file_hashes", inputs.fileHashes());
        }
        if (!outcome.succeeded()) {
            results.put("error", outcome.error());
        }
        if ((stop == Stop.RELEASED || stop == Stop.LEASE_LOST) && !outcome.succeeded()) {
            // Interrupted because this worker let go: not the step's failure. Give the claim back
            // (a no-op when another worker already holds it).
            release(claim, tail.text(), stop == Stop.RELEASED ? "worker " + workerId + " shut down" : "lease lost");
            return List.of();
        }
        ExecutionPolicy policy = parsed == null ? ExecutionPolicy.DEFAULT : parsed.policy();
        List<Claim> next = record(graph, claim, outcome.succeeded(), stop, results, outcome.error(), tail.text(), policy,
                execution.startedLateMicros, execution.handedOff ? 0 : 1);
        if (outcome.succeeded()) {
            released(graph, id);
        } else if (stop == Stop.CANCELLED || claim.attempt() > policy.retries()) {
            ready.remove(id);
        }
        if (listener != RunListener.NONE) {
            var stored = Store.step(dsl, id);
            listener.stepFinished(new StepResult(id, stored.title(), stored.status(), stored.results(), stored.duration(), true, workerId));
        }
        return next;
    }

    /** The step has ended: its slot goes to a step claimed ahead, if there is one, before its outcome is recorded. */
    private void handOff(Execution execution) {
        Execution next = claiming ? queued.poll() : null;
        if (next != null) {
            room.incrementAndGet();
            execution.handedOff = true;
            launch(next);
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    /**
     * Records an outcome; a claim taken over by another worker (attempt or owner changed) changes
     * nothing. A completion also claims, in the same statement, what it released (its dependents and,
     * in an in-process run, the ready steps; for a worker with nothing released, any claimable step)
     * for the slot it frees and any other free one: the steps it returns are this runner's to start.
     */
    private List<Claim> record(TaskGraph graph, Claim claim, boolean succeeded, Stop stop, ObjectNode results, String error,
                               String logTail, ExecutionPolicy policy, long startedLateMicros, int own) {
        int id = claim.stepId();
        boolean retry = !succeeded && stop != Stop.CANCELLED && claim.attempt() <= policy.retries();
        StepStatus status = succeeded ? StepStatus.COMPLETED
                : stop == Stop.CANCELLED ? StepStatus.CANCELLED
                : retry ? StepStatus.NEW : StepStatus.FAILED;
        assert StatusTransitions.isAllowed(StepStatus.ACTIVE, status) : status;
        AttemptOutcome runOutcome = succeeded ? AttemptOutcome.COMPLETED : stop == Stop.TIMED_OUT ? AttemptOutcome.TIMED_OUT
                : stop == Stop.CANCELLED ? AttemptOutcome.CANCELLED : AttemptOutcome.FAILED;
        Long retryAfter = null;
        if (retry) {
            Duration backoff = policy.backoffAfter(claim.attempt());
            results.putObject("retrying").put("next_attempt", claim.attempt() + 1)
                    .put("after_seconds", backoff.toMillis() / 1000.0);
            retryAfter = backoff.toMillis();
        }
        var outcome = new ClaimStatements.Outcome(id, claim.taskId(), claim.attempt(), status, runOutcome, results, error,
                logTail, retryAfter, !succeeded && !retry, startedLateMicros);
        if (!succeeded) {
            // A failure claims nothing: it may skip what waits for it, and a worker may settle the task.
            withRetries(() -> dsl.transaction(tx -> {
                DSLContext t = tx.dsl();
                var recorded = statements.record(t, outcome, null, 0, System.nanoTime());
                if (!recorded.recorded()) {
                    return;
                }
                if (!retry) {
                    skipDownstream(t, graph, id, stop, status);
                }
                if (taskFilter == null) {
                    settleTaskIfDone(t, claim.taskId()); // an in-process run settles its task when it ends
                }
            }));
            return List.of();
        }
        List<Integer> dependents = graph.graph().directDownstreamOf(id);
        int extra = 0;
        int ahead = 0;
        ClaimStatements.Scope next = null;
        if (claiming) {
            List<Integer> candidates = new ArrayList<>();
            int max = options.concurrency() * 2 + 8;
            for (int i = 0; i < dependents.size() && candidates.size() < max; i++) {
                candidates.add(dependents.get(i));
            }
            if (taskFilter != null) {
                readyCandidates(max).stream().filter(c -> c != id && !candidates.contains(c)).limit(max).forEach(candidates::add);
            }
            if (!candidates.isEmpty()) {
                next = ClaimStatements.Scope.only(candidates);
            } else if (taskFilter == null) {
                next = ClaimStatements.Scope.anyTask(); // a worker takes whatever is claimable next
            }
            if (next != null) {
                extra = reserve(options.concurrency() - own);
                ahead = reserveRoom(lookahead);
            }
        }
        int held = own + extra;
        int limit = next == null ? 0 : held + ahead;
        // Completions go together even when they claim nothing (the slot was handed on, none is free).
        ClaimStatements.Scope scope = limit == 0 ? ClaimStatements.Scope.only(List.of()) : next;
        List<Claim> claims = List.of();
        List<Claim> kept = List.of();
        try {
            claims = recordTogether(new Completion(graph, outcome, scope, limit, held, dependents, new CompletableFuture<>()));
            loadGraphs(claims);
            kept = keepAndQueue(claims, held);
            return kept;
        } finally {
            // The slot of the recorded step goes to the first claim (or back, by the caller).
            room.addAndGet(ahead - (claims.size() - kept.size()));
            freeSlots(extra - Math.max(0, kept.size() - own));
        }
    }

    /** True when this step is all an in-process run still has: nothing else runs, waits or is ready. */
    private boolean isLastOfRun(int stepId) {
        return waitingOn.isEmpty() && queued.isEmpty() && running.size() == 1 && running.containsKey(stepId)
                && ready.stream().allMatch(r -> r == stepId);
    }

    /** A completion waiting to be recorded, with what it may claim, and where its claims go. */
    private record Completion(TaskGraph graph, ClaimStatements.Outcome outcome, ClaimStatements.Scope scope, int limit,
                              int held, List<Integer> dependents, CompletableFuture<List<Claim>> claims) {
    }

    private final java.util.concurrent.ConcurrentLinkedQueue<Completion> completions = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Two recorders at a time: one statement per core of a small database host, the rest queue up and go together. */
    private final java.util.concurrent.Semaphore recording = new java.util.concurrent.Semaphore(2);

    /**
     * Group commit: completions that arrive while another is being recorded wait for it, and the
     * next thread to record takes all of them in one statement per task. Steps that finish together
     * (the slots of a run started at once) then cost one round trip and one commit between them.
     */
    private List<Claim> recordTogether(Completion completion) {
        completions.add(completion);
        recording.acquireUninterruptibly();
        try {
            if (!completion.claims().isDone()) {
                List<Completion> batch = new ArrayList<>();
                for (Completion c; (c = completions.poll()) != null; ) {
                    batch.add(c);
                }
                Map<Integer, List<Completion>> byTask = new java.util.LinkedHashMap<>();
                batch.forEach(c -> byTask.computeIfAbsent(c.outcome().taskId(), k -> new ArrayList<>()).add(c));
                byTask.values().forEach(this::recordCompletions);
            }
        } finally {
            recording.release();
        }
        try {
            return completion.claims().join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Records completions of one task in one transaction and hands each its share of the claims. */
    private void recordCompletions(List<Completion> group) {
        try {
            java.util.function.Function<DSLContext, Map<Completion, List<Claim>>> body = t -> {
                Map<Completion, List<Claim>> share = new java.util.IdentityHashMap<>(); // a record's hashCode would hash its graph
                int taskId = group.get(0).outcome().taskId();
                if (group.size() == 1) {
                    Completion c = group.get(0);
                    // The run's last step: settle the task in the same round trip, so the run can end at once.
                    boolean last = taskFilter != null && isLastOfRun(c.outcome().stepId());
                    var recorded = statements.record(t, c.outcome(), c.scope(), c.limit(), System.nanoTime(),
                            last ? engine.settleQuery(taskId) : null);
                    if (recorded.then() != null) {
                        settledAtEnd = Engine.settled(recorded.then());
                    }
                    share.put(c, recorded.claims());
                    if (!recorded.recorded()) {
                        return share;
                    }
                } else {
                    // One scope for all: the union of their candidates, or any claimable step for a worker.
                    boolean any = group.stream().anyMatch(c -> c.scope().candidates() == null);
                    java.util.Set<Integer> union = new java.util.LinkedHashSet<>();
                    group.forEach(c -> {
                        if (c.scope().candidates() != null) {
                            union.addAll(List.of(c.scope().candidates()));
                        }
                    });
                    ClaimStatements.Scope scope = any ? ClaimStatements.Scope.anyTask() : ClaimStatements.Scope.only(union);
                    int limit = group.stream().mapToInt(Completion::limit).sum();
                    var recorded = statements.recordCompletions(t, taskId, group.stream().map(Completion::outcome).toList(),
                            scope, limit, System.nanoTime());
                    // Each gets up to what it reserved: one to go on with first, then its other slots, then
                    // its places ahead.
                    List<Claim> left = new ArrayList<>(recorded.claims());
                    group.forEach(c -> share.put(c, new ArrayList<>()));
                    for (int round = 0; !left.isEmpty() && round < 3; round++) {
                        for (Completion c : group) {
                            int quota = round == 0 ? Math.min(1, c.held()) : round == 1 ? c.held() : c.limit();
                            while (!left.isEmpty() && share.get(c).size() < quota) {
                                share.get(c).add(left.remove(0));
                            }
                        }
                    }
                    if (recorded.recorded().isEmpty()) {
                        return share;
                    }
                }
                // A worker that claimed nothing more of this task settles it if nothing of it is left. Always,
                // even while its snapshot showed new steps: another worker may claim, run and record those and
                // settle before this transaction commits, seeing this step still active; under the task's lock
                // the later of the two sees both. One that claimed a step of the task settles after that one.
                if (taskFilter == null && share.values().stream().flatMap(List::stream).noneMatch(x -> x.taskId() == taskId)) {
                    settleTaskIfDone(t, taskId); // an in-process run settles its task when it ends
                }
                if (taskFilter == null && group.stream().anyMatch(c -> c.dependents().stream()
                        .anyMatch(d -> share.values().stream().flatMap(List::stream).noneMatch(x -> x.stepId() == d)))) {
                    engine.notifyWorkers(t); // some dependents went unclaimed: any worker may take them
                }
                return share;
            };
            // An in-process run's recording is the one statement, committed by itself. A worker's may
            // settle the task and wake other workers after it, in the same transaction.
            Map<Completion, List<Claim>> shares = withRetries(() -> taskFilter != null ? body.apply(dsl)
                    : dsl.transactionResult(tx -> body.apply(tx.dsl())));
            group.forEach(c -> c.claims().complete(shares.get(c)));
        } catch (RuntimeException e) {
            group.forEach(c -> c.claims().completeExceptionally(e));
        }
    }

    /** A step failed for good: the steps waiting for it will not run. */
    private static final String DOWNSTREAM_CANCELLED = StatusTransitions.step(StepStatus.NEW, StepStatus.CANCELLED);
    private static final String DOWNSTREAM_SKIPPED = StatusTransitions.step(StepStatus.NEW, StepStatus.SKIPPED);
    private static final String RELEASED = StatusTransitions.step(StepStatus.ACTIVE, StepStatus.NEW);

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
     * Sets the task's final status once no step is new or active. The last two steps of a task may
     * finish at once and each see the other still active; locking the task row after updating the
     * step makes the later one see the earlier one's commit.
     */
    private static void settleTaskIfDone(DSLContext t, int taskId) {
        Store.lockTask(t, taskId);
        Engine.settleStatus(t, taskId, true);
    }

    /** Gives a claim back: the step is new again and its attempt is marked released. */
    private void release(Claim claim, String logTail, String why) {
        withRetries(() -> dsl.transaction(tx -> {
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

    /**
     * Sends a claim again when PostgreSQL broke a deadlock (or a serialization conflict) by failing it: two runs of one
     * task that submit and claim at once can lock the same step rows in different orders. The statement ran in
     * autocommit, so it changed nothing and sending it again is safe; PostgreSQL's docs advise exactly this.
     */
    private static <T> T retryingConflicts(java.util.function.Supplier<T> claim) {
        for (int attempt = 1; ; attempt++) {
            try {
                return claim.get();
            } catch (dev.tasksync.DatabaseException e) {
                boolean conflict = "40P01".equals(e.sqlState()) || "40001".equals(e.sqlState());
                if (!conflict || attempt == CONFLICT_RETRIES) {
                    throw e;
                }
                LOG.debug("claim lost a deadlock ({}), sending it again", e.sqlState());
            }
        }
    }

    private static final int CONFLICT_RETRIES = 5;

    /** Retries a database write while the database is unreachable, for as long as the lease could still hold. */
    private void withRetries(Runnable write) {
        withRetries(() -> {
            write.run();
            return null;
        });
    }

    private <T> T withRetries(java.util.function.Supplier<T> call) {
        long deadline = System.nanoTime() + options.lease().toNanos() * 2;
        long sleep = 100;
        while (true) {
            try {
                return call.get();
            } catch (dev.tasksync.DatabaseException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.warn("database write failed, retrying in {} ms: {}", sleep, rootMessage(e));
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                sleep = Math.min(2_000, sleep * 2);
            }
        }
    }

    /** The database's own words: jOOQ's wrapper says only which callback failed. */
    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? e.getMessage() : root.getMessage();
    }

    private List<UpstreamStep> upstreamOf(TaskGraph graph, int id) {
        List<Integer> ids = graph.graph().upstreamOf(id);
        if (ids.isEmpty()) {
            return List.of();
        }
        Set<Integer> direct = new HashSet<>(graph.graph().directUpstreamOf(id));
        Map<Integer, JsonNode> results = new HashMap<>();
        dsl.select(STEPS.ID, STEPS.RESULTS).from(STEPS).where(STEPS.ID.eq(DSL.any(ids.toArray(Integer[]::new))))
                .forEach(r -> results.put(r.value1(), Store.parse(r.value2())));
        List<UpstreamStep> upstream = new ArrayList<>();
        for (int up : ids) {
            upstream.add(new UpstreamStep(up, graph.titles().get(up), graph.types().get(up), results.get(up), direct.contains(up)));
        }
        return upstream;
    }

    // ---- heartbeat

    private void heartbeatQuietly() {
        try {
            heartbeat();
        } catch (RuntimeException e) {
            LOG.warn("heartbeat failed: {}", e.getMessage());
        }
    }

    /** Extends the leases of running steps; stops those whose lease was lost or that were cancelled. */
    void heartbeat() {
        if (running.isEmpty()) {
            return;
        }
        long sent = System.nanoTime();
        Map<Integer, Execution> snapshot = new HashMap<>(running);
        Integer[] ids = snapshot.keySet().toArray(Integer[]::new);
        Map<Integer, ClaimStatements.Held> held = new HashMap<>();
        statements.heartbeat(dsl, ids).forEach(h -> held.put(h.stepId(), h));
        leaseOwners.check(held.isEmpty()); // every lease lost at once: the session may be what was lost, look now
        snapshot.forEach((id, execution) -> {
            ClaimStatements.Held h = held.get(id);
            if (h == null || h.attempt() != execution.claim.attempt()) {
                // A step that is recording its outcome is no longer active: that is not a lost lease.
                if (running.containsKey(id) && !execution.isRecording()) {
                    LOG.warn("step {}: lease lost, stopping attempt {}", id, execution.claim.attempt());
                    execution.stop(Stop.LEASE_LOST);
                }
            } else {
                execution.leaseValidUntil = sent + leaseNanos();
                if (h.cancelRequested()) {
                    execution.stop(Stop.CANCELLED);
                }
            }
        });
    }

    /**
     * Self-fencing: a step whose lease could not be extended in time (the database is unreachable)
     * is stopped before another worker may claim it, so two attempts never run at once.
     */
    private void fenceExpired() {
        long now = System.nanoTime();
        running.values().forEach(execution -> {
            if (!execution.stopped() && now > execution.leaseValidUntil) {
                LOG.warn("step {}: lease not renewed in time, stopping attempt {}", execution.claim.stepId(), execution.claim.attempt());
                execution.stop(Stop.LEASE_LOST);
            }
        });
    }

    /** The lease minus a heartbeat's worth of margin for clock drift and slow stops. */
    private long leaseNanos() {
        return options.lease().toNanos() - options.heartbeat().toNanos();
    }

    /** Stops claiming; waits up to {@code grace} for running steps, then releases the rest. */
    void shutdown(Duration grace) {
        claiming = false;
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
        beatTask.cancel(false);
        fenceTask.cancel(false);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
