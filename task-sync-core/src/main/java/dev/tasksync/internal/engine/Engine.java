package dev.tasksync.internal.engine;

import dev.tasksync.Plan;
import dev.tasksync.Plan.PlannedStep;
import dev.tasksync.RunListener;
import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.StepResult;
import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.WorkerOptions;
import dev.tasksync.internal.logs.LogStore;
import dev.tasksync.internal.hashing.FileHasher;
import dev.tasksync.internal.hashing.FileIndex;
import dev.tasksync.internal.hashing.WatchedFiles;
import dev.tasksync.internal.metrics.EngineMetrics;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.types.StepTypeRegistry;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.nio.file.PathMatcher;
import java.time.Clock;
import java.time.Instant;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;

/**
 * Plans and executes a task's steps in dependency order, built from named parts: the {@link Planner}
 * decides what runs, the {@link Submitter} makes it runnable, a {@link TaskRun} (in this process) or a
 * {@link WorkerLoop} (any process) claims and executes it through a {@link StepRunner}, the
 * {@link TaskSettler} sets the task's status, and the {@link RunReport} says what a run did. There is one
 * execution path: claim runnable steps ({@code SELECT ... FOR UPDATE SKIP LOCKED}), execute them outside
 * any transaction under a lease, record each outcome fenced by its attempt number.
 */
public final class Engine implements AutoCloseable {
    private final DSLContext dsl;
    private final StepTypeRegistry registry;
    private final String workerId;
    private final List<PathMatcher> ignore;
    private final String channel;
    private final WorkerOptions workerDefaults;
    private final String schema;
    private final Clock clock;
    private final Planner planner;
    private final Submitter submitter;
    private final TaskSettler settler;
    private final RunReport report;
    private volatile String storeId;
    /** Metrics hook (TaskSync.builder().meterRegistry): told of attempts, claims, takeovers and retries. */
    private volatile EngineMetrics metrics = EngineMetrics.NONE;
    /** Where attempts write their full logs, set by TaskSync. */
    private volatile LogStore logs;

    /** Sets where attempts write their full logs. */
    public void logs(LogStore logs) {
        this.logs = logs;
    }

    LogStore logs() {
        return logs;
    }

    public Engine(DSLContext dsl, StepTypeRegistry registry, String workerId, List<String> ignoreGlobs,
                  String schema, WorkerOptions workerDefaults) {
        this(dsl, registry, workerId, ignoreGlobs, schema, workerDefaults, Clock.systemUTC());
    }

    /** @param clock what a run's duration is measured with, and a retry's due time (stored by the database) compared with */
    public Engine(DSLContext dsl, StepTypeRegistry registry, String workerId, List<String> ignoreGlobs,
                  String schema, WorkerOptions workerDefaults, Clock clock) {
        this.dsl = dsl;
        this.registry = registry;
        this.workerId = workerId;
        this.ignore = FileHasher.matchers(ignoreGlobs);
        this.channel = "tasksync_" + schema.toLowerCase(Locale.ROOT);
        this.workerDefaults = workerDefaults;
        this.schema = schema;
        this.clock = clock;
        this.planner = new Planner(dsl, registry, ignore);
        this.submitter = new Submitter(dsl, channel);
        this.settler = new TaskSettler(dsl);
        this.report = new RunReport(dsl, workerId);
    }

    Clock clock() {
        return clock;
    }

    TaskSettler settler() {
        return settler;
    }

    Planner.Loaded load(int taskId) {
        return planner.load(taskId);
    }

    /** Metrics hook: where the engine's runners report (NONE unless a registry was given). */
    public void metrics(EngineMetrics metrics) {
        this.metrics = metrics;
    }

    EngineMetrics metrics() {
        return metrics;
    }

    /** The globs of files left out when watched directories are walked (TaskSync.builder().ignoreFiles). */
    List<PathMatcher> ignore() {
        return ignore;
    }

    /**
     * Tells this store (server, database, schema) apart from others whose steps share a Docker engine or a host,
     * stably across restarts: what a step leaves running there is found again by its next attempt, and only by it.
     */
    public String storeId() {
        if (storeId == null) {
            StringBuilder id = new StringBuilder(String.valueOf(dsl.fetchValue(
                    "SELECT current_database() || '|' || coalesce(host(inet_server_addr()), 'socket') || '|' || current_setting('port')")));
            try {
                id.append('|').append(dsl.fetchValue("SELECT system_identifier FROM pg_control_system()"));
            } catch (RuntimeException notAllowed) {
                // the cluster's identifier needs pg_monitor on some servers; address and port then tell them apart
            }
            storeId = FileHasher.sha256(id + "|" + schema).substring(0, 16);
        }
        return storeId;
    }

    DSLContext dsl() {
        return dsl;
    }

    private volatile ClaimStatements.Tables tables;
    private EngineThreads threads;

    synchronized EngineThreads threads() {
        if (threads == null) {
            threads = new EngineThreads();
        }
        return threads;
    }

    private LeaseOwners leaseOwners;

    /** Where this engine's lease owners record the session that shows them alive (opened by the first run or worker). */
    synchronized LeaseOwners leaseOwners() {
        if (leaseOwners == null) {
            leaseOwners = new LeaseOwners(dsl.configuration().connectionProvider(), tables());
        }
        return leaseOwners;
    }

    /** Stops the engine's threads (runs and workers must have ended) and ends its lease owners' session. */
    public synchronized void close() {
        if (threads != null) {
            threads.close();
            threads = null;
        }
        if (leaseOwners != null) {
            leaseOwners.close();
            leaseOwners = null;
        }
    }

    ClaimStatements.Tables tables() {
        if (tables == null) {
            tables = ClaimStatements.Tables.of(dsl);
        }
        return tables;
    }

    StepTypeRegistry registry() {
        return registry;
    }

    /** The LISTEN/NOTIFY channel that tells workers new work may be claimable. */
    public String channel() {
        return channel;
    }

    /** What {@link #run} would execute now, and why. Writes no task or step. */
    public Plan plan(int taskId, boolean force) {
        return plan(taskId, force, UnaryOperator.identity());
    }

    /** As {@link #plan(int, boolean)}, the watched files listed and hashed through {@code files} applied to the file index. */
    public Plan plan(int taskId, boolean force, UnaryOperator<WatchedFiles> files) {
        return load(taskId).plan(force, files.apply(new FileIndex(dsl))).plan();
    }

    /**
     * Makes the steps that need it runnable (status {@code new}, with the fingerprint they will run
     * with) and wakes the workers. Steps some worker is running are left to it.
     */
    public Plan submit(int taskId, boolean force) {
        return submitter.submit(load(taskId), force, false).plan();
    }

    void notifyWorkers(DSLContext t) {
        t.select(DSL.function("pg_notify", Object.class, DSL.val(channel), DSL.val(""))).fetch();
    }

    /** Submits the task and executes its runnable steps in this process until none is left. */
    public RunResult run(int taskId, RunOptions options) {
        return run(taskId, options, plan -> true);
    }

    /**
     * Like {@link #run(int, RunOptions)}; {@code proceed} sees the submitted plan before any step starts, and a
     * false ends the run there, with no step in its result (watch mode: it plans once per change, here).
     */
    public RunResult run(int taskId, RunOptions options, Predicate<Plan> proceed) {
        return run(taskId, options, proceed, UnaryOperator.identity());
    }

    /**
     * Like {@link #run(int, RunOptions, Predicate)}; the plan lists and hashes the watched files through
     * {@code files} applied to the file index (watch mode: only what its watcher saw change is looked at).
     */
    public RunResult run(int taskId, RunOptions options, Predicate<Plan> proceed, UnaryOperator<WatchedFiles> files) {
        Instant started = clock.instant();
        Planner.Loaded loaded = load(taskId);
        Submitter.Submission submission = submitter.submit(loaded, options.force(), true, files.apply(new FileIndex(dsl)));
        Plan plan = submission.plan();
        if (!proceed.test(plan)) {
            return new RunResult(taskId, loaded.task().name(), loaded.task().status(), List.of(),
                    Duration.between(started, clock.instant()));
        }
        options.listener().runStarted(loaded.task(), loaded.steps().size());
        if (options.listener() != RunListener.NONE) {
            for (PlannedStep p : plan.steps()) {
                if (!p.willRun()) {
                    options.listener().stepUpToDate(p.stepId(), p.title(), p.reason());
                }
            }
        }
        Set<Integer> executed = new HashSet<>();
        Set<Integer> reported = new HashSet<>(); // executed elsewhere, and told to the listener already
        TaskSettler.Settled settled = null; // the task's final status and its steps, when the run settled it
        if (plan.steps().stream().anyMatch(PlannedStep::willRun)) {
            WorkerOptions opts = workerDefaults.withConcurrency(options.concurrency());
            TaskGraph graph = TaskGraph.of(loaded);
            List<Integer> toRun = plan.steps().stream().filter(PlannedStep::willRun).map(PlannedStep::stepId).toList();
            try (TaskRun taskRun = new TaskRun(this, workerId, opts, options.listener(), graph, toRun, submission)) {
                settled = taskRun.drain();
                executed.addAll(taskRun.executed());
                reported.addAll(taskRun.reportedElsewhere());
            }
        }
        // Nothing new or active was left and the status is settled (with the steps read in the same
        // statement): no step to mark skipped, nothing more to read.
        String finalStatus;
        List<StepResult> results;
        Map<Integer, RunReport.ElsewhereRun> elsewhere = report.executedElsewhere(plan, loaded, executed);
        if (settled != null) {
            finalStatus = settled.status();
            results = settled.steps().stream().map(r -> report.stepResult(r, executed, elsewhere)).toList();
        } else {
            finalStatus = settler.finish(taskId);
            results = dsl.select(STEPS.ID, STEPS.TITLE, STEPS.STATUS, STEPS.RESULTS, STEPS.STARTED_AT, STEPS.FINISHED_AT)
                    .from(STEPS).where(STEPS.TASK_ID.eq(taskId)).orderBy(STEPS.ID)
                    .fetch(r -> report.stepResult(new TaskSettler.StoredStep(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6()),
                            executed, elsewhere));
        }
        // Steps another worker executed without this run seeing them held (it was busy, or they went quickly).
        for (StepResult r : results) {
            if (r.executedElsewhere() && !reported.contains(r.stepId())) {
                options.listener().stepFinished(r);
            }
        }
        return new RunResult(taskId, loaded.task().name(), finalStatus, results, Duration.between(started, clock.instant()));
    }

    /**
     * Settles the active tasks none of whose steps is new or active (workers call it when idle); returns how many.
     */
    public int settleFinishedTasks() {
        return settler.settleFinishedTasks();
    }

    /** What is left of a task: how many steps workers hold (the first of them), and when the next retry is due. */
    record Pending(int active, OffsetDateTime nextRetry, List<Held> held) {
    }

    /** An active step: who holds its lease, until when, with which attempt. */
    record Held(int stepId, String title, String owner, int attempt, OffsetDateTime until) {
    }

    Pending pending(int taskId) {
        return report.pending(taskId);
    }

    /** A new worker loop on this engine; the caller starts it. */
    public WorkerLoop newWorker(WorkerOptions options, RunListener listener) {
        return new WorkerLoop(this, workerId + "/w" + WORKERS.incrementAndGet(), options, listener);
    }

    private static final AtomicInteger WORKERS = new AtomicInteger();

    // ---- cancellation and history

    /** Cancels a task's steps: waiting ones at once, running ones at their worker's next heartbeat. */
    public int cancelTask(int taskId) {
        Store.task(dsl, taskId);
        return dsl.transactionResult(tx -> cancel(tx.dsl(), STEPS.TASK_ID.eq(taskId)));
    }

    /** Cancels one step and the steps waiting for it. */
    public int cancelStep(int stepId) {
        Step step = Store.step(dsl, stepId);
        TaskGraph graph = TaskGraph.of(load(step.taskId()));
        Set<Integer> ids = new HashSet<>(graph.graph().downstreamOf(stepId));
        ids.add(stepId);
        return dsl.transactionResult(tx -> cancel(tx.dsl(), STEPS.ID.eq(DSL.any(ids.toArray(Integer[]::new)))));
    }

    private int cancel(DSLContext t, Condition which) {
        int waiting = t.update(STEPS).set(STEPS.STATUS, StatusTransitions.step(StepStatus.NEW, StepStatus.CANCELLED))
                .set(STEPS.RESULTS, Store.jsonb(Store.JSON.createObjectNode().put("cancelled", true)))
                .where(which).and(STEPS.STATUS.eq(StepStatus.NEW.dbValue())).execute();
        int running = t.update(STEPS).set(STEPS.CANCEL_REQUESTED, true)
                .where(which).and(STEPS.STATUS.eq(StepStatus.ACTIVE.dbValue())).execute();
        return waiting + running;
    }

    public List<StepRun> history(int stepId) {
        Store.step(dsl, stepId);
        return dsl.selectFrom(STEP_RUNS).where(STEP_RUNS.STEP_ID.eq(stepId)).orderBy(STEP_RUNS.ATTEMPT, STEP_RUNS.ID)
                .fetch(r -> new StepRun(r.getId(), r.getStepId(), r.getAttempt(), r.getWorkerId(), r.getStartedAt(),
                        r.getFinishedAt(), r.getOutcome(), r.getError(), r.getLogTail()));
    }
}
