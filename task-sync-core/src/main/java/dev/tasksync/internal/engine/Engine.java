package dev.tasksync.internal.engine;

import dev.tasksync.InvalidDependencyException;
import dev.tasksync.Plan;
import dev.tasksync.Plan.PlannedStep;
import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.StepResult;
import dev.tasksync.AttemptOutcome;
import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskStatus;
import dev.tasksync.WorkerOptions;
import dev.tasksync.internal.logs.LogStore;
import dev.tasksync.internal.graph.ImplicitDependencies;
import dev.tasksync.internal.graph.StepGraph;
import dev.tasksync.internal.hashing.FileHasher;
import dev.tasksync.internal.hashing.FileIndex;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.types.ParsedSettings;
import dev.tasksync.internal.types.StepTypeRegistry;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.TASKS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.currentOffsetDateTime;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.min;

/**
 * Plans and executes a task's steps in dependency order. There is one execution path, shared by
 * {@link #run} and by workers in other processes ({@link StepRunner}): claim runnable steps in a
 * transaction ({@code SELECT ... FOR UPDATE SKIP LOCKED}), execute them outside it under a lease,
 * record each outcome fenced by its attempt number.
 */
public final class Engine implements AutoCloseable {
    private final DSLContext dsl;
    private final StepTypeRegistry registry;
    private final String workerId;
    private final List<PathMatcher> ignore;
    private final String channel;
    private final WorkerOptions workerDefaults;
    private final String schema;
    private volatile String storeId;
    private volatile LogStore logs; // logs17: where attempts write their full logs, set by TaskSync

    /** logs17: sets where attempts write their full logs. */
    public void logs(LogStore logs) {
        this.logs = logs;
    }

    LogStore logs() {
        return logs;
    }

    public Engine(DSLContext dsl, StepTypeRegistry registry, String workerId, List<String> ignoreGlobs,
                  String schema, WorkerOptions workerDefaults) {
        this.dsl = dsl;
        this.registry = registry;
        this.workerId = workerId;
        this.ignore = FileHasher.matchers(ignoreGlobs);
        this.channel = "tasksync_" + schema.toLowerCase(java.util.Locale.ROOT);
        this.workerDefaults = workerDefaults;
        this.schema = schema;
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
        return load(taskId).plan(force, new FileIndex(dsl)).plan;
    }

    /**
     * Makes the steps that need it runnable (status {@code new}, with the fingerprint they will run
     * with) and wakes the workers. Steps some worker is running are left to it.
     */
    public Plan submit(int taskId, boolean force) {
        return submit(load(taskId), force, false).plan();
    }

    /**
     * A submit's plan, and the statement that makes every step runnable when it was left for the run's
     * first claim to send (in the same round trip); null when the submit was made already.
     */
    private record Submission(Plan plan, ResultQuery<Record> statement) {
    }

    /** {@code defer}: when every step runs, leave the one statement of the submit to the caller. */
    private Submission submit(Loaded loaded, boolean force, boolean defer) {
        int taskId = loaded.task().id();
        Decision decision = loaded.plan(force, new FileIndex(dsl));
        List<PlannedStep> toRun = decision.plan().steps().stream().filter(PlannedStep::willRun).toList();
        Integer[] upToDate = decision.plan().steps().stream().filter(p -> !p.willRun()).map(PlannedStep::stepId).toArray(Integer[]::new);
        if (upToDate.length == 0 && !toRun.isEmpty()) {
            // Everything runs (a forced run, a new task): one statement, committed by itself. A large
            // submit goes at once, so that the statistics are refreshed before the first claim is planned.
            ResultQuery<Record> statement = makeRunnable(dsl, taskId, toRun, decision, loaded.steps());
            if (defer && toRun.size() < ANALYZE_THRESHOLD) {
                return new Submission(decision.plan(), statement);
            }
            requireFound(statement.fetch(), taskId);
        } else {
            dsl.transaction(tx -> {
                DSLContext t = tx.dsl();
                Store.lockTask(t, taskId);
                if (!toRun.isEmpty()) {
                    requireFound(makeRunnable(t, taskId, toRun, decision, loaded.steps()).fetch(), taskId);
                }
                // Results say a step was up to date; rows that say so already are not written again,
                // so a run that changes nothing writes (almost) nothing.
                for (int from = 0; from < upToDate.length; from += 10_000) {
                    t.update(STEPS)
                            .set(STEPS.RESULTS, field("coalesce({0}, '{}'::jsonb) || '{\"up_to_date\": true}'::jsonb",
                                    STEPS.RESULTS.getDataType(), STEPS.RESULTS))
                            .where(STEPS.ID.in(java.util.Arrays.asList(upToDate).subList(from, Math.min(upToDate.length, from + 10_000))))
                            .and(field("coalesce({0} -> 'up_to_date', 'false'::jsonb) <> 'true'::jsonb", Boolean.class, STEPS.RESULTS))
                            .execute();
                }
                if (toRun.isEmpty()) {
                    settleStatus(t, taskId, false);
                }
            });
        }
        if (toRun.size() >= ANALYZE_THRESHOLD && statisticsCover() < toRun.size()) {
            analyze();
        }
        return new Submission(decision.plan(), null);
    }

    /**
     * One statement: locks the task (as settling its status does, so the two do not interleave), makes
     * the steps runnable with the fingerprints and inputs they will run with (their ids, fingerprints
     * and inputs go as arrays), marks the task active and wakes the workers. Not sent yet: its answer
     * goes to {@link #requireFound}.
     *
     * <p>Only steps still as the plan saw them (same status, same attempt) are reset: a step that some
     * other run claimed or finished since this one loaded the task was decided on stale state, and
     * resetting a step completed meanwhile would execute it twice.
     */
    private ResultQuery<Record> makeRunnable(DSLContext t, int taskId, List<PlannedStep> toRun, Decision decision,
                                             Map<Integer, Step> seen) {
        Integer[] ids = new Integer[toRun.size()];
        String[] fingerprints = new String[ids.length];
        String[] inputs = new String[ids.length];
        String[] statuses = new String[ids.length];
        Integer[] attempts = new Integer[ids.length];
        for (int i = 0; i < ids.length; i++) {
            Inputs in = decision.inputs().get(toRun.get(i).stepId());
            ids[i] = toRun.get(i).stepId();
            fingerprints[i] = in.fingerprint();
            inputs[i] = in.toJson().toString();
            Step step = seen.get(ids[i]);
            statuses[i] = step.status().dbValue();
            attempts[i] = step.attempt();
        }
        return t.resultQuery("WITH lk AS MATERIALIZED (SELECT id FROM {6} WHERE id = {8} FOR UPDATE),"
                        + " up AS (UPDATE {0} s SET status = {1}, fingerprint = v.fingerprint, inputs = v.inputs::jsonb,"
                        + " run_after = NULL, cancel_requested = false"
                        + " FROM unnest({2}, {3}, {4}, {10}, {11}) AS v(id, fingerprint, inputs, seen_status, seen_attempt)"
                        + " WHERE s.id = v.id AND s.status <> {5} AND s.status = v.seen_status AND s.attempt = v.seen_attempt"
                        + " AND EXISTS (SELECT 1 FROM lk) RETURNING s.id),"
                        // Nothing reset (all of it was taken or done meanwhile): the task's status is left to its runs.
                        + " task AS (UPDATE {6} SET status = {7} WHERE id = {8} AND status <> {7} AND EXISTS (SELECT 1 FROM up))"
                        + " SELECT (SELECT count(*) FROM lk) AS found, pg_notify({9}, '')",
                STEPS, DSL.val(SUBMITTED),
                DSL.val(ids, SQLDataType.INTEGER.getArrayDataType()),
                DSL.val(fingerprints, SQLDataType.CLOB.getArrayDataType()),
                DSL.val(inputs, SQLDataType.CLOB.getArrayDataType()),
                DSL.val(StepStatus.ACTIVE.dbValue()),
                TASKS, DSL.val(TaskStatus.ACTIVE.dbValue()), DSL.val(taskId),
                DSL.val(channel),
                DSL.val(statuses, SQLDataType.CLOB.getArrayDataType()),
                DSL.val(attempts, SQLDataType.INTEGER.getArrayDataType()));
    }

    /** The answer of a submit's statement ({@link #makeRunnable}): a task that was not there is named. */
    static void requireFound(Result<Record> rows, int taskId) {
        Long found = rows.isEmpty() ? null : rows.get(0).get("found", Long.class);
        if (found == null || found == 0) {
            throw new dev.tasksync.NotFoundException("task", taskId);
        }
    }

    /** Steps submitted at once from which the tables' planner statistics are refreshed first. */
    static final int ANALYZE_THRESHOLD = 1_000;

    /**
     * Refreshes the planner's statistics of the tables claims read. Without them (a large task saved
     * a moment ago, before autovacuum came by) the claim query scans every dependency per candidate.
     */
    private void analyze() {
        for (var table : List.of(STEPS, dev.tasksync.internal.store.jooq.Tables.STEP_DEPENDENCIES)) {
            dsl.execute("ANALYZE {0}", table);
        }
    }

    /**
     * How many rows of {@code steps} the planner's statistics know of ({@code pg_class.reltuples}; -1
     * before the first ANALYZE). Fewer than a task just submitted means its rows are not in them.
     */
    private long statisticsCover() {
        Float rows = dsl.fetchValue(DSL.field("(SELECT reltuples FROM pg_class WHERE oid = {0}::regclass)", Float.class,
                DSL.val(dsl.render(STEPS))));
        return rows == null ? -1 : rows.longValue();
    }

    void notifyWorkers(DSLContext t) {
        t.select(DSL.function("pg_notify", Object.class, DSL.val(channel), DSL.val(""))).fetch();
    }

    /** Submits the task and executes its runnable steps in this process until none is left. */
    public RunResult run(int taskId, RunOptions options) {
        long started = System.nanoTime();
        Loaded loaded = load(taskId);
        Submission submission = submit(loaded, options.force(), true);
        Plan plan = submission.plan();
        options.listener().runStarted(loaded.task(), loaded.steps().size());
        if (options.listener() != dev.tasksync.RunListener.NONE) {
            for (PlannedStep p : plan.steps()) {
                if (!p.willRun()) {
                    options.listener().stepUpToDate(p.stepId(), p.title(), p.reason());
                }
            }
        }
        Set<Integer> executed = new HashSet<>();
        Set<Integer> reported = new HashSet<>(); // executed elsewhere, and told to the listener already
        Settled settled = null; // the task's final status and its steps, when the run settled it
        if (plan.steps().stream().anyMatch(PlannedStep::willRun)) {
            WorkerOptions opts = workerDefaults.withConcurrency(options.concurrency());
            TaskGraph graph = TaskGraph.of(loaded);
            try (StepRunner runner = new StepRunner(this, workerId, opts, options.listener(), taskId, graph)) {
                runner.expect(plan.steps().stream().filter(PlannedStep::willRun).map(PlannedStep::stepId).toList(), graph);
                runner.submitWithFirstClaim(submission.statement());
                settled = runner.drainTask(this);
                executed.addAll(runner.executed());
                reported.addAll(runner.reportedElsewhere());
            }
        }
        // Nothing new or active was left and the status is settled (with the steps read in the same
        // statement): no step to mark skipped, nothing more to read.
        String finalStatus;
        List<StepResult> results;
        Map<Integer, ElsewhereRun> elsewhere = executedElsewhere(plan, loaded, executed);
        if (settled != null) {
            finalStatus = settled.status();
            results = settled.steps().stream().map(r -> stepResult(r, executed, elsewhere)).toList();
        } else {
            finalStatus = finish(taskId);
            results = dsl.select(STEPS.ID, STEPS.TITLE, STEPS.STATUS, STEPS.RESULTS, STEPS.STARTED_AT, STEPS.FINISHED_AT)
                    .from(STEPS).where(STEPS.TASK_ID.eq(taskId)).orderBy(STEPS.ID)
                    .fetch(r -> stepResult(new StoredStep(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6()),
                            executed, elsewhere));
        }
        // Steps another worker executed without this run seeing them held (it was busy, or they went quickly).
        for (StepResult r : results) {
            if (r.executedElsewhere() && !reported.contains(r.stepId())) {
                options.listener().stepFinished(r);
            }
        }
        return new RunResult(taskId, loaded.task().name(), finalStatus, results, Duration.ofNanos(System.nanoTime() - started));
    }

    /** The last attempt another run or worker made of a step during this run: who, and how long it took. */
    record ElsewhereRun(String owner, Duration took) {
    }

    /**
     * Of the steps this run was to execute but did not, those another run or worker executed meanwhile: their
     * attempts after the one the run loaded (or that one, when it was running then), as recorded in the history.
     * No query when this run executed all.
     */
    private Map<Integer, ElsewhereRun> executedElsewhere(Plan plan, Loaded loaded, Set<Integer> executed) {
        List<PlannedStep> others = plan.steps().stream().filter(p -> p.willRun() && !executed.contains(p.stepId())).toList();
        if (others.isEmpty()) {
            return Map.of();
        }
        Integer[] ids = others.stream().map(PlannedStep::stepId).toArray(Integer[]::new);
        // An attempt in flight when the run loaded the task ends during the run: it counts.
        Integer[] seen = others.stream().map(p -> loaded.steps().get(p.stepId()))
                .map(st -> st.status() == StepStatus.ACTIVE ? st.attempt() - 1 : st.attempt()).toArray(Integer[]::new);
        Map<Integer, ElsewhereRun> found = new HashMap<>();
        dsl.resultQuery("SELECT DISTINCT ON (r.step_id) r.step_id, r.worker_id, r.started_at, r.finished_at FROM {0} r"
                        + " JOIN unnest({1}, {2}) AS v(id, seen) ON r.step_id = v.id AND r.attempt > v.seen"
                        + " WHERE r.outcome IN (" + EXECUTED_OUTCOMES + ") ORDER BY r.step_id, r.attempt DESC",
                        STEP_RUNS, DSL.val(ids, SQLDataType.INTEGER.getArrayDataType()), DSL.val(seen, SQLDataType.INTEGER.getArrayDataType()))
                .forEach(r -> {
                    OffsetDateTime from = r.get("started_at", OffsetDateTime.class);
                    OffsetDateTime to = r.get("finished_at", OffsetDateTime.class);
                    Duration took = from != null && to != null && !to.isBefore(from) ? Duration.between(from, to) : Duration.ZERO;
                    found.put(r.get("step_id", Integer.class), new ElsewhereRun(r.get("worker_id", String.class), took));
                });
        return found;
    }

    /** A step's row as a run's result reports it. */
    record StoredStep(int id, String title, String status, org.jooq.JSONB results, OffsetDateTime startedAt,
                      OffsetDateTime finishedAt) {
    }

    private StepResult stepResult(StoredStep r, Set<Integer> executed, Map<Integer, ElsewhereRun> elsewhere) {
        boolean ran = executed.contains(r.id());
        ElsewhereRun other = ran ? null : elsewhere.get(r.id());
        Duration took = other != null ? other.took()
                : ran && r.startedAt() != null && r.finishedAt() != null && !r.finishedAt().isBefore(r.startedAt())
                ? Duration.between(r.startedAt(), r.finishedAt()) : Duration.ZERO;
        return new StepResult(r.id(), r.title(), StepStatus.fromDb(r.status()), Store.parse(r.results()), took, ran,
                ran ? workerId : other != null ? other.owner() : null);
    }

    /** An in-process run's task, settled: its final status, and its steps as that statement saw them. */
    record Settled(String status, List<StoredStep> steps) {
    }

    /**
     * Settles the task's status when none of its steps is new or active and returns it with the steps'
     * rows, in one statement; null when some step still is new or active. No lock is needed: with
     * nothing left to run, no one changes the steps' statuses.
     */
    Settled settleIfDone(int taskId) {
        return settled(settleQuery(taskId).fetch());
    }

    /** The statement of {@link #settleIfDone}, for a caller that sends it together with another. */
    ResultQuery<Record> settleQuery(int taskId) {
        return dsl.resultQuery(SETTLE_QUERY, STEPS, DSL.val(taskId), TASKS);
    }

    /** What {@link #settleQuery} answered: the settled task, or null when some step still is new or active. */
    static Settled settled(Result<Record> rows) {
        if (rows.isEmpty() || Boolean.TRUE.equals(rows.get(0).get("unfinished", Boolean.class))) {
            return null;
        }
        List<StoredStep> steps = new java.util.ArrayList<>(rows.size());
        for (var r : rows) {
            Integer id = r.get("id", Integer.class);
            if (id != null) {
                String json = r.get("results", String.class);
                steps.add(new StoredStep(id, r.get("title", String.class), r.get("step_status", String.class),
                        json == null ? null : org.jooq.JSONB.valueOf(json),
                        r.get("started_at", OffsetDateTime.class), r.get("finished_at", OffsetDateTime.class)));
            }
        }
        return new Settled(rows.get(0).get("status", String.class), steps);
    }

    /**
     * Settles the active tasks none of whose steps is new or active: a backstop for a task whose last
     * outcome's transaction did not settle it (workers call it when idle). The tasks are locked first,
     * skipping those someone holds, and each status is computed after the lock, so a submit that made
     * steps runnable meanwhile is never overwritten. Returns how many tasks it settled.
     */
    public int settleFinishedTasks() {
        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            List<Integer> ids = t.select(TASKS.ID).from(TASKS).where(TASKS.STATUS.eq(TaskStatus.ACTIVE.dbValue()))
                    .andNotExists(DSL.selectOne().from(STEPS).where(STEPS.TASK_ID.eq(TASKS.ID))
                            .and(STEPS.STATUS.in(StepStatus.NEW.dbValue(), StepStatus.ACTIVE.dbValue())))
                    .forUpdate().skipLocked().fetch(TASKS.ID);
            int settled = 0;
            for (int id : ids) {
                if (!TaskStatus.ACTIVE.dbValue().equals(settleStatus(t, id, true))) {
                    settled++;
                }
            }
            return settled;
        });
    }

    /** What is left of a task: how many steps workers hold (the first of them), and when the next retry is due. */
    record Pending(int active, OffsetDateTime nextRetry, List<Held> held) {
    }

    /** An active step: who holds its lease, until when, with which attempt. */
    record Held(int stepId, String title, String owner, int attempt, OffsetDateTime until) {
    }

    Pending pending(int taskId) {
        var r = dsl.select(
                        count().filterWhere(STEPS.STATUS.eq(StepStatus.ACTIVE.dbValue())),
                        min(STEPS.RUN_AFTER).filterWhere(STEPS.STATUS.eq(StepStatus.NEW.dbValue())
                                .and(STEPS.RUN_AFTER.gt(currentOffsetDateTime()))),
                        // The first few active steps, as one array, so that this stays one small query.
                        field("(SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'title', a.title, 'owner', a.lease_owner,"
                                + " 'attempt', a.attempt, 'until', a.lease_expires_at) ORDER BY a.id), '[]'::jsonb)::text"
                                + " FROM (SELECT * FROM {0} WHERE task_id = {1} AND status = '" + StepStatus.ACTIVE.dbValue() + "' ORDER BY id LIMIT 20) a)",
                                String.class, STEPS, DSL.val(taskId)))
                .from(STEPS).where(STEPS.TASK_ID.eq(taskId)).fetchOne();
        List<Held> held = new java.util.ArrayList<>();
        if (r.value1() > 0) {
            for (var h : Store.parse(org.jooq.JSONB.valueOf(r.value3()))) {
                held.add(new Held(h.get("id").asInt(), h.get("title").asText(), h.path("owner").asText(null), h.get("attempt").asInt(),
                        h.path("until").isTextual() ? OffsetDateTime.parse(h.get("until").asText()) : null));
            }
        }
        return new Pending(r.value1(), r.value2(), held);
    }

    /** Marks steps that can no longer run as skipped and settles the task's status. */
    String finish(int taskId) {
        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            t.update(STEPS).set(STEPS.STATUS, StatusTransitions.step(StepStatus.NEW, StepStatus.SKIPPED))
                    .set(STEPS.RESULTS, Store.jsonb(Store.JSON.createObjectNode().put("skipped_because", "a dependency did not complete")))
                    .where(STEPS.TASK_ID.eq(taskId)).and(STEPS.STATUS.eq(StepStatus.NEW.dbValue()))
                    .and(STEPS.RUN_AFTER.isNull().or(STEPS.RUN_AFTER.le(currentOffsetDateTime())))
                    .execute();
            return settleStatus(t, taskId, false);
        });
    }

    /** A new worker loop on this engine; the caller starts it. */
    public WorkerLoop newWorker(WorkerOptions options, dev.tasksync.RunListener listener) {
        return new WorkerLoop(this, workerId + "/w" + WORKERS.incrementAndGet(), options, listener);
    }

    private static final java.util.concurrent.atomic.AtomicInteger WORKERS = new java.util.concurrent.atomic.AtomicInteger();

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

    private int cancel(DSLContext t, org.jooq.Condition which) {
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

    /**
     * Sets the task's status from its steps' and returns it, in one statement: active while a step
     * runs or some wait beside finished ones; failed when one failed or was skipped; cancelled when
     * one was cancelled; completed when all completed; new otherwise. With {@code onlyIfDone}, only
     * when no step is new or active (the caller holds the task's lock).
     */
    static String settleStatus(DSLContext t, int taskId, boolean onlyIfDone) {
        // A data-modifying WITH must be the top level: a result query, not a field.
        return t.resultQuery(onlyIfDone ? SETTLE_STATUS_IF_DONE : SETTLE_STATUS, STEPS, DSL.val(taskId), TASKS)
                .fetchOne(0, String.class);
    }

    /** The CTEs {@code x} (the status the steps give, and whether some is unfinished) and {@code u} (setting it). */
    private static String settleSql(boolean onlyIfDone) {
        return "WITH x AS (SELECT CASE"
                        + " WHEN count(*) = 0 THEN " + q(TaskStatus.NEW)
                        + " WHEN bool_or(status = " + q(StepStatus.ACTIVE) + ") OR (bool_or(status = " + q(StepStatus.NEW)
                        + ") AND bool_or(status <> " + q(StepStatus.NEW) + ")) THEN " + q(TaskStatus.ACTIVE)
                        + " WHEN bool_or(status IN (" + q(StepStatus.FAILED) + ", " + q(StepStatus.SKIPPED) + ")) THEN " + q(TaskStatus.FAILED)
                        + " WHEN bool_or(status = " + q(StepStatus.CANCELLED) + ") THEN " + q(TaskStatus.CANCELLED)
                        + " WHEN bool_and(status = " + q(StepStatus.COMPLETED) + ") THEN " + q(TaskStatus.COMPLETED)
                        + " ELSE " + q(TaskStatus.NEW) + " END AS status,"
                        + " bool_or(status IN (" + q(StepStatus.NEW) + ", " + q(StepStatus.ACTIVE) + ")) AS unfinished"
                        + " FROM {0} WHERE task_id = {1}),"
                        + " u AS (UPDATE {2} SET status = x.status FROM x WHERE {2}.id = {1} AND {2}.status <> x.status"
                        + (onlyIfDone ? " AND x.unfinished IS NOT TRUE" : "") + ")";
    }

    private static String q(StepStatus s) {
        return "'" + s.dbValue() + "'";
    }

    private static String q(TaskStatus s) {
        return "'" + s.dbValue() + "'";
    }

    // Built once: settling runs per finished task (and, in a run, per recorded batch).
    private static final String SETTLE_STATUS = settleSql(false) + " SELECT status FROM x";
    private static final String SETTLE_STATUS_IF_DONE = settleSql(true) + " SELECT status FROM x";
    private static final String SETTLE_QUERY = settleSql(true)
            + " SELECT x.status, x.unfinished, s.id, s.title, s.status AS step_status, s.results::text AS results,"
            + " s.started_at, s.finished_at FROM x LEFT JOIN {0} s ON x.unfinished IS NOT TRUE AND s.task_id = {1}"
            + " ORDER BY s.id";
    /** The outcomes of attempts that executed to an end: {@code 'completed', 'failed', 'timed_out', 'cancelled'}. */
    private static final String EXECUTED_OUTCOMES = java.util.Arrays.stream(AttemptOutcome.values())
            .filter(AttemptOutcome::isExecuted).map(o -> "'" + o.dbValue() + "'")
            .collect(java.util.stream.Collectors.joining(", "));
    /** A submit makes the steps it plans new again, from any status but active (see {@link StatusTransitions}). */
    private static final String SUBMITTED = StatusTransitions.step(
            java.util.EnumSet.complementOf(java.util.EnumSet.of(StepStatus.ACTIVE)), StepStatus.NEW);

    // ---- loading and planning

    Loaded load(int taskId) {
        // One read: the task, its steps, and the state their last run left behind.
        Map<Integer, Step> byId = new LinkedHashMap<>();
        Map<Integer, StoredState> stored = new HashMap<>();
        Task task = null;
        for (var row : dsl.select(TASKS.asterisk(), STEPS.asterisk()).from(TASKS).leftJoin(STEPS).on(STEPS.TASK_ID.eq(TASKS.ID))
                .where(TASKS.ID.eq(taskId)).orderBy(STEPS.ID).fetch()) {
            if (task == null) {
                task = Store.toTask(row.into(TASKS));
            }
            var r = row.into(STEPS);
            if (r.getId() != null) {
                byId.put(r.getId(), Store.toStep(r));
                stored.put(r.getId(), new StoredState(r.getFingerprint(), r.getInputs()));
            }
        }
        if (task == null) {
            throw new dev.tasksync.NotFoundException("task", taskId);
        }
        Collection<Step> steps = byId.values();
        Map<Integer, ParsedSettings> parsed = new HashMap<>();
        Map<Integer, String> invalid = new HashMap<>();
        Map<Integer, List<Integer>> deps = new LinkedHashMap<>();
        for (Step s : steps) {
            ParsedSettings p;
            try {
                p = registry.parse(s.settings());
            } catch (dev.tasksync.InvalidSettingsException e) {
                // Settings stored by other means (or by an older version) that no longer parse: this
                // step runs and fails alone with the message; its dependencies cannot be trusted.
                invalid.put(s.id(), e.getMessage());
                deps.put(s.id(), List.of());
                continue;
            }
            parsed.put(s.id(), p);
            for (int dep : p.dependsOn()) {
                if (!byId.containsKey(dep)) {
                    throw new InvalidDependencyException(s.title(), "step " + dep, "which is not a step of task '" + task.name() + "'");
                }
            }
            deps.put(s.id(), p.dependsOn());
        }
        // Implicit dependencies too (a step waits for the step of its task that makes the image it uses): the same
        // edges the store holds for claims, derived from the same settings.
        StepGraph<Integer> graph = StepGraph.of(ImplicitDependencies.of(deps, parsed).combined(deps),
                id -> id + " '" + byId.get(id).title() + "'");
        return new Loaded(task, byId, parsed, invalid, graph, stored, localPath(task), ignore);
    }

    static Path localPath(Task task) {
        return task.localPath() == null || task.localPath().isBlank()
                ? Paths.get("").toAbsolutePath()
                : Paths.get(task.localPath()).toAbsolutePath();
    }

    record Decision(Plan plan, Map<Integer, Inputs> inputs) {
    }

    /** @param invalid the steps whose stored settings do not parse, with why */
    record Loaded(Task task, Map<Integer, Step> steps, Map<Integer, ParsedSettings> parsed, Map<Integer, String> invalid,
                          StepGraph<Integer> graph, Map<Integer, StoredState> stored, Path localPath,
                          List<java.nio.file.PathMatcher> ignore) {

        Decision plan(boolean force, FileIndex index) {
            List<Integer> order = graph.topologicalOrder();
            // All watched files of all steps are stat'ed, looked up and hashed together.
            Map<Integer, Map<String, Path>> watched = new HashMap<>();
            Set<Path> files = new HashSet<>();
            for (int id : order) {
                Map<String, Path> w = parsed.containsKey(id)
                        ? FileHasher.expand(localPath, parsed.get(id).watchedFiles(), parsed.get(id).allowsOutside(), ignore)
                        : Map.of();
                watched.put(id, w);
                w.values().stream().filter(java.util.Objects::nonNull).forEach(files::add);
            }
            Map<Path, String> hashes = index.hash(files);
            Map<Integer, Inputs> inputs = new HashMap<>();
            Map<Integer, String> fingerprints = new HashMap<>();
            Map<Integer, PlannedStep> planned = new HashMap<>();
            for (int id : order) {
                Step step = steps.get(id);
                Map<String, String> fileHashes = new LinkedHashMap<>();
                watched.get(id).forEach((path, file) -> fileHashes.put(path, file == null ? FileHasher.MISSING : hashes.get(file)));
                Map<Integer, String> upstream = new HashMap<>();
                for (int dep : graph.directUpstreamOf(id)) {
                    upstream.put(dep, fingerprints.get(dep));
                }
                com.fasterxml.jackson.databind.JsonNode document = parsed.containsKey(id) ? parsed.get(id).document() : step.settings();
                Inputs in = new Inputs(FileHasher.sha256(document.toString()), fileHashes, upstream);
                inputs.put(id, in);
                String fp = in.fingerprint();
                fingerprints.put(id, fp);
                planned.put(id, decide(step, in, fp, force, planned));
            }
            List<PlannedStep> ordered = steps.keySet().stream().map(planned::get).toList();
            return new Decision(new Plan(task.id(), task.name(), ordered), inputs);
        }

        private PlannedStep decide(Step step, Inputs in, String fingerprint, boolean force, Map<Integer, PlannedStep> planned) {
            String title = step.title();
            if (invalid.containsKey(step.id())) {
                return new PlannedStep(step.id(), title, true, invalid.get(step.id()));
            }
            if (force) {
                return new PlannedStep(step.id(), title, true, "forced");
            }
            switch (step.status()) {
                case FAILED -> { return new PlannedStep(step.id(), title, true, "failed last time"); }
                case SKIPPED -> { return new PlannedStep(step.id(), title, true, "skipped last time"); }
                case ACTIVE -> { return new PlannedStep(step.id(), title, true, "running or interrupted"); }
                case CANCELLED -> { return new PlannedStep(step.id(), title, true, "cancelled last time"); }
                case NEW -> {
                    return new PlannedStep(step.id(), title, true, step.attempt() == 0 ? "never ran" : "reset or edited");
                }
                default -> { }
            }
            for (int dep : graph.directUpstreamOf(step.id())) {
                if (planned.get(dep).willRun()) {
                    return new PlannedStep(step.id(), title, true, "upstream '" + steps.get(dep).title() + "' will run");
                }
            }
            StoredState last = stored.get(step.id());
            if (last.fingerprint() == null || !last.fingerprint().equals(fingerprint)) {
                Inputs before = Inputs.fromJson(Store.parse(last.inputs()));
                String why = before == null ? null : in.whatChangedSince(before);
                return new PlannedStep(step.id(), title, true, why == null ? "inputs changed" : why);
            }
            var stale = parsed.get(step.id()).staleReason(step.results());
            if (stale.isPresent()) {
                return new PlannedStep(step.id(), title, true, stale.get());
            }
            return new PlannedStep(step.id(), title, false, "up to date");
        }
    }

    /** The fingerprint and inputs recorded by a step's last successful run (parsed only to explain a change). */
    private record StoredState(String fingerprint, org.jooq.JSONB inputs) {
    }
}
