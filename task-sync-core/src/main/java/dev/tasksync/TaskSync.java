package dev.tasksync;

import dev.tasksync.internal.Closeables;
import dev.tasksync.internal.db.StoreConnection;
import dev.tasksync.internal.definition.DefinitionWriter;
import dev.tasksync.internal.definition.DependencyDiagram;
import dev.tasksync.internal.engine.Engine;
import dev.tasksync.internal.engine.WaitReasons;
import dev.tasksync.internal.engine.WorkerLoop;
import dev.tasksync.internal.engine.WorkerRegistry;
import dev.tasksync.internal.logs.LogStore;
import dev.tasksync.internal.metrics.MicrometerMetrics;
import dev.tasksync.internal.metrics.StepStatusGauges;
import dev.tasksync.internal.store.Database;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.store.TaskRecords;
import dev.tasksync.internal.store.TaskSummaries;
import dev.tasksync.internal.types.StepTypeRegistry;
import dev.tasksync.internal.watch.WatchLoop;
import dev.tasksync.internal.watch.WatchedTask;
import dev.tasksync.spi.StepType;
import io.micrometer.core.instrument.MeterRegistry;
import org.jooq.DSLContext;

import javax.sql.DataSource;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The one entry point: stores tasks and steps in PostgreSQL and runs them in dependency order.
 *
 * <pre>{@code
 * try (TaskSync ts = TaskSync.embedded()) {
 *     Task task = ts.save(TaskDefinition.named("hello")
 *             .localPath(".")
 *             .step("Check sources", FileExists.of("pom.xml"))
 *             .build());
 *     RunResult result = ts.run(task);
 * }
 * }</pre>
 */
public final class TaskSync implements AutoCloseable {
    /** The schema used unless {@link Builder#schema(String)} says otherwise. */
    public static final String DEFAULT_SCHEMA = "public";

    static {
        // jOOQ prints a banner and a tip on first use; a library must not write to its host's stdout.
        System.setProperty("org.jooq.no-logo", System.getProperty("org.jooq.no-logo", "true"));
        System.setProperty("org.jooq.no-tips", System.getProperty("org.jooq.no-tips", "true"));
    }

    private final DataSource dataSource;
    private final List<AutoCloseable> owned;
    private final List<AutoCloseable> workers = new CopyOnWriteArrayList<>();
    private final String schema;
    private final DSLContext dsl;
    private final StepTypeRegistry registry;
    private final Engine engine;
    private final DefinitionWriter definitions;
    private final int concurrency;
    private final WorkerOptions workerOptions;
    private final LogStore logs;
    private final TaskRecords tasks;

    private TaskSync(Builder b, DataSource dataSource, List<AutoCloseable> owned) {
        this.dataSource = dataSource;
        this.owned = owned;
        this.schema = b.schema;
        this.dsl = Database.dsl(dataSource, schema);
        this.registry = StepTypeRegistry.load(b.classLoader, b.stepTypes);
        this.concurrency = b.concurrency;
        String workerId = b.workerId != null ? b.workerId
                : ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.workerOptions = b.workerOptions;
        this.engine = new Engine(dsl, registry, workerId, b.ignoredFiles, schema, b.workerOptions, b.clock);
        this.definitions = new DefinitionWriter(dsl, registry);
        this.tasks = new TaskRecords(dsl);
        if (b.meterRegistry != null) {
            engine.metrics(new MicrometerMetrics(b.meterRegistry));
            StepStatusGauges.register(b.meterRegistry, dsl, b.statusRefresh);
        }
        this.logs = new LogStore(dsl, b.logOptions);
        engine.logs(logs);
    }

    // ---- opening

    /**
     * Embedded PostgreSQL with its data under {@code ~/.task-sync} (or {@code $TASKSYNC_HOME}): durable, and
     * reached only with the password generated for it, kept owner-only in {@code ~/.task-sync/postgres.password}.
     * Needs the artifact {@code dev.tasksync:task-sync-embedded}; without it, a {@link TaskSyncException} says so.
     */
    public static TaskSync embedded() {
        return builder().embedded().build();
    }

    /** Embedded PostgreSQL with its data in {@code dataDirectory} (its password beside it, in {@code <dataDirectory>.password}). */
    public static TaskSync embedded(Path dataDirectory) {
        return builder().embedded(dataDirectory).build();
    }

    /** A PostgreSQL reached through the caller's DataSource (not closed by {@link #close()}). */
    public static TaskSync connect(DataSource dataSource) {
        return builder().dataSource(dataSource).build();
    }

    public static TaskSync connect(String jdbcUrl, String user, String password) {
        return builder().jdbcUrl(jdbcUrl, user, password).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a TaskSync; every setting has a default. */
    public static final class Builder {
        private DataSource dataSource;
        private String jdbcUrl;
        private String user;
        private String password;
        private Path embeddedDirectory;
        private boolean embedded;
        private String schema = DEFAULT_SCHEMA;
        private boolean migrate = true;
        private int concurrency = RunOptions.DEFAULT_CONCURRENCY;
        private String workerId;
        private ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
        private final List<StepType<?>> stepTypes = new ArrayList<>();
        private final List<String> ignoredFiles = new ArrayList<>();
        private WorkerOptions workerOptions = WorkerOptions.defaults();
        private MeterRegistry meterRegistry;
        private Duration statusRefresh = DEFAULT_STATUS_REFRESH;
        private LogOptions logOptions = LogOptions.defaults();
        private Clock clock = Clock.systemUTC();

        /** How long the counts behind the {@code tasksync.steps{status}} gauges are kept before they are read again. */
        public static final Duration DEFAULT_STATUS_REFRESH = Duration.ofSeconds(5);

        private Builder() {
        }

        /**
         * Reports metrics to {@code registry} (Micrometer): attempts by type and outcome, step durations,
         * claim-to-start latency, steps per status, leases lost and taken over, database retries (the README's
         * "Metrics" lists them). Without one, nothing is measured.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            return meterRegistry(registry, DEFAULT_STATUS_REFRESH);
        }

        /**
         * As {@link #meterRegistry(MeterRegistry)}; the steps-per-status gauges read the database at most once per
         * {@code statusRefresh} (one query for all of them), however often they are scraped.
         */
        public Builder meterRegistry(MeterRegistry registry, Duration statusRefresh) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            if (statusRefresh.isNegative()) {
                throw new IllegalArgumentException("statusRefresh must not be negative, was " + statusRefresh);
            }
            this.statusRefresh = statusRefresh;
            return this;
        }

        /**
         * Globs (relative to a task's local_path, e.g. {@code **}{@code /.git/**}, {@code **}{@code /*.tmp})
         * of files left out when a watched directory is walked for fingerprints.
         */
        public Builder ignoreFiles(String... globs) {
            ignoredFiles.addAll(List.of(globs));
            return this;
        }

        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        public Builder jdbcUrl(String jdbcUrl, String user, String password) {
            this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            this.user = user;
            this.password = password;
            return this;
        }

        /**
         * The embedded PostgreSQL with its data in the default home ({@code ~/.task-sync/postgres}); needs the
         * artifact {@code dev.tasksync:task-sync-embedded} on the classpath.
         */
        public Builder embedded() {
            this.embedded = true;
            this.embeddedDirectory = null;
            return this;
        }

        public Builder embedded(Path dataDirectory) {
            this.embedded = true;
            this.embeddedDirectory = dataDirectory;
            return this;
        }

        /** The PostgreSQL schema holding task-sync's tables (default {@value #DEFAULT_SCHEMA}); created when missing. */
        public Builder schema(String schema) {
            if (schema == null || !schema.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("schema must be a plain SQL identifier, was '" + schema + "'");
            }
            this.schema = schema;
            return this;
        }

        /** Whether to apply pending migrations on open (default true). */
        public Builder migrate(boolean migrate) {
            this.migrate = migrate;
            return this;
        }

        /** Default bound on steps running at once in {@link #run(int)} (default: available processors). */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /** Registers step types beside those ServiceLoader finds (a type here wins over one of the same key). */
        public Builder stepType(StepType<?>... types) {
            stepTypes.addAll(List.of(types));
            return this;
        }

        /** Lease, heartbeat and polling used by {@link #run(int)} and {@link #worker()} (concurrency comes from each). */
        public Builder workerOptions(WorkerOptions options) {
            this.workerOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * How the full log of every attempt is kept in the database: the most bytes per attempt (default 64 MiB),
         * how many attempts per step and for how long ({@link LogOptions#defaults()}).
         */
        public Builder logs(LogOptions options) {
            this.logOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * The clock the engine reads in Java (default {@link Clock#systemUTC()}): how long a run took, and how long
         * a run waits for a retry's due time (stored by the database). Leases, heartbeats and timeouts are measured
         * on the JVM's monotonic timer, which a wall-clock change cannot move, and due times by the database's.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The class loader ServiceLoader searches for step types. */
        public Builder classLoader(ClassLoader classLoader) {
            this.classLoader = classLoader;
            return this;
        }

        /** The id recorded with each attempt this instance executes (default: pid@host plus a random suffix). */
        public Builder workerId(String workerId) {
            this.workerId = workerId;
            return this;
        }

        public TaskSync build() {
            List<AutoCloseable> owned = new ArrayList<>();
            try {
                DataSource ds = StoreConnection.open(dataSource, jdbcUrl, user, password, embeddedDirectory,
                        Math.max(4, concurrency + 2), owned);
                TaskSync ts = new TaskSync(this, ds, owned);
                if (migrate) {
                    ts.migrate();
                }
                return ts;
            } catch (RuntimeException e) {
                Closeables.closeAll(owned);
                throw StoreConnection.openFailure(e, jdbcUrl, password);
            }
        }
    }

    // ---- schema

    /** Applies pending migrations; returns how many ran (0 when the schema is up to date). */
    public int migrate() {
        return Database.migrate(dataSource, schema);
    }

    /** One line per migration: version, description, state. */
    public List<String> migrationStatus() {
        return Database.status(dataSource, schema);
    }

    public String schema() {
        return schema;
    }

    /** The keys of every step type this instance knows. */
    public Collection<String> stepTypes() {
        return registry.keys().stream().sorted().toList();
    }

    // ---- definitions

    /**
     * Saves a definition: creates the task or updates the one of the same name, and each step by
     * title within it. Steps no longer in the definition are deleted. The definition is checked as
     * a whole first; on any problem nothing is written.
     */
    public Task save(TaskDefinition definition) {
        return definitions.save(definition);
    }

    // ---- tasks

    public Task createTask(String name) {
        return createTask(name, TaskStatus.NEW.dbValue(), null);
    }

    /**
     * Identifies this store (database server, database and schema) stably across restarts. What steps leave
     * outside the JVM carries it (Docker containers: the label {@code dev.tasksync.store}), so that another
     * store's steps on the same engine or host, whose tasks may have the same ids, are told apart.
     */
    public String storeId() {
        return engine.storeId();
    }

    /** Creates a task; a name already taken is refused with {@link DuplicateTaskException}. */
    public Task createTask(String name, String status, String localPath) {
        return tasks.create(name, status, localPath);
    }

    /**
     * Creates a task whose steps that name no {@code runs_on} of their own need these labels of the worker that
     * claims them (the task's default; empty: none). A bad label is refused, naming {@code runs_on}, before anything is written.
     */
    public Task createTask(String name, String status, String localPath, List<String> runsOn) {
        return tasks.create(name, status, localPath, runsOn);
    }

    /** Sets the task's default {@code runs_on} (null: none, as for a task created without one). */
    public void setTaskRunsOn(int taskId, List<String> runsOn) {
        tasks.setRunsOn(taskId, runsOn);
    }

    /** The task's default {@code runs_on}: the labels its steps without their own need; empty when it has none. */
    public List<String> taskRunsOn(int taskId) {
        return tasks.runsOn(taskId);
    }

    /** Updates a task's status and local path (a relative one is stored absolute, resolved here). */
    public Task updateTask(int id, String status, String localPath) {
        return tasks.update(id, status, localPath);
    }

    public Task task(int id) {
        return tasks.get(id);
    }

    public Optional<Task> findTask(String name) {
        return tasks.find(name);
    }

    /** A task by id (all digits) or by name. */
    public Task task(String idOrName) {
        return tasks.get(idOrName);
    }

    public List<Task> tasks() {
        return tasks.all();
    }

    /** One page of tasks, newest first, with their steps counted by status (for lists of many tasks). */
    public List<TaskSummary> taskSummaries(TaskQuery query) {
        return TaskSummaries.page(dsl, query);
    }

    /** Each step of the task with its status, in id order (cheaper than {@link #steps(int)} for live views). */
    public Map<Integer, StepStatus> stepStatuses(int taskId) {
        return TaskSummaries.statuses(dsl, taskId);
    }

    /**
     * Each step of the task with its title, type, status, attempt count and times, in id order: a step table
     * without settings or results (cheaper than {@link #steps(int)} for big tasks and live views).
     */
    public Map<Integer, StepProgress> stepProgress(int taskId) {
        return TaskSummaries.progress(dsl, taskId);
    }

    /**
     * The task's dependencies as stored: the same edges as {@link #dependencies(int)}, but an implicit one
     * without the resources it is for, and without reading or parsing any settings.
     */
    public List<Dependency> storedDependencies(int taskId) {
        return TaskSummaries.storedDependencies(dsl, taskId);
    }

    /** Deletes a task with all its steps. */
    public void deleteTask(int id) {
        tasks.delete(id);
    }

    // ---- steps

    /**
     * Creates a step from the specification's JSON, e.g. {@code {"file_exists": ["main.go"]}}.
     * The settings are checked (type, fields, depends_on ids of the same task) before anything is written.
     */
    public Step createStep(int taskId, String title, String settingsJson) {
        return definitions.createStep(taskId, title, settingsJson);
    }

    /** Typed settings for an existing task; dependencies are step ids of the same task. */
    public Step createStep(int taskId, String title, StepSettings settings, int... dependsOn) {
        List<Integer> ids = Arrays.stream(dependsOn).boxed().toList();
        return createStep(taskId, title, StepTypeRegistry.withDependsOn(settings.type(), settings.toJson(), ids).toString());
    }

    /** Replaces a step's settings (and optionally its title), checked like {@link #createStep}. */
    public Step updateStep(int stepId, String title, String settingsJson) {
        return definitions.updateStep(stepId, title, settingsJson);
    }

    /**
     * Every dependency of the task's steps: each step's {@code depends_on} (explicit), then the steps it waits for
     * because they make an image or container it uses (implicit), in step order.
     */
    public List<Dependency> dependencies(int taskId) {
        return definitions.dependencies(taskId);
    }

    public Step step(int id) {
        return Store.step(dsl, id);
    }

    public List<Step> steps(int taskId) {
        task(taskId);
        return Store.steps(dsl, taskId);
    }

    /** Every step of every task. */
    public List<Step> steps() {
        return Store.allSteps(dsl);
    }

    /** Deletes a step; refused while other steps depend on it. */
    public void deleteStep(int id) {
        definitions.deleteStep(id);
    }

    /** Puts a step back to {@code new} so the next run executes it (and what depends on it). */
    public Step resetStep(int id) {
        return dsl.transactionResult(tx -> Store.resetStep(tx.dsl(), id));
    }

    // ---- running

    /** Runs the steps of {@code task} (as {@link #save(TaskDefinition)} returned it) that need it, with the default options. */
    public RunResult run(Task task) {
        return run(task.id());
    }

    /** Runs the steps of {@code task} that need it, with {@code options}: {@link #run(int, RunOptions)} for a {@link Task}. */
    public RunResult run(Task task, RunOptions options) {
        return run(task.id(), options);
    }

    /** Runs the steps of task {@code taskId} that need it, at most {@link Builder#concurrency(int)} at once. */
    public RunResult run(int taskId) {
        return run(taskId, RunOptions.defaults().withConcurrency(concurrency));
    }

    /** Runs the task's steps that need it, in dependency order, at most {@code options.concurrency()} at once. */
    public RunResult run(int taskId, RunOptions options) {
        return engine.run(taskId, options);
    }

    /** What {@link #run(int)} would execute now and why; writes nothing. */
    public Plan plan(int taskId) {
        return engine.plan(taskId, false);
    }

    public Plan plan(int taskId, boolean force) {
        return engine.plan(taskId, force);
    }

    /**
     * Makes the steps that need it runnable and wakes the workers, without executing anything in
     * this process: {@link Worker}s (here or in other processes) pick them up.
     */
    public Plan submit(int taskId) {
        return engine.submit(taskId, false);
    }

    public Plan submit(int taskId, boolean force) {
        return engine.submit(taskId, force);
    }

    /** Starts a worker with the configured options and the default concurrency. */
    public Worker worker() {
        return worker(workerOptions.withConcurrency(concurrency));
    }

    /** Starts a worker that claims runnable steps of every task until it is closed. */
    public Worker worker(WorkerOptions options) {
        return worker(options, RunListener.NONE);
    }

    /**
     * Starts a worker as {@link #worker(WorkerOptions)} does, telling {@code listener} of each step it starts
     * ({@link RunListener#stepStarted}) and ends ({@link RunListener#stepFinished}, with this worker's id as
     * {@link StepResult#executedBy()}), and of each line the steps log. Called from the worker's threads.
     */
    public Worker worker(WorkerOptions options, RunListener listener) {
        WorkerLoop loop = engine.newWorker(options, listener);
        loop.start(dataSource);
        Worker worker = new Worker(loop);
        workers.add(worker);
        return worker;
    }

    /**
     * Watches the files and directories the task's steps watch (their {@code files}, {@code file_exists} paths, a
     * custom type's {@link StepType#watchedFiles}); when they change and then stay unchanged for
     * {@link WatchOptions#debounce()}, plans the task, tells {@code options.listener()} what will run and why, and
     * runs it. Changes made while a run goes on queue one more run. Runs first unless
     * {@link WatchOptions#initialRun()} is false. {@link TaskWatch#close()} stops it, cancelling a run going on.
     */
    public TaskWatch watch(int taskId, WatchOptions options) {
        Task task = task(taskId);
        WatchLoop loop = new WatchLoop(new WatchedTask(taskId, options, dsl, registry, tasks, engine), options, "task-" + task.id());
        workers.add(loop);
        return new TaskWatch(loop);
    }

    /**
     * The workers registered in this store (live ones first): id, host, labels, Docker engine, start and last
     * heartbeat. Workers register when they start, renew their row as they run and mark it stopped when they stop.
     */
    public List<RegisteredWorker> workers() {
        return WorkerRegistry.on(engine).list();
    }

    /**
     * Why the task's waiting steps wait for a worker that is not there (step id → reason): the labels a step's
     * {@code runs_on} needs that no live worker has, or the Docker engine an upstream image or container lives
     * on that no live worker is on. Steps some live worker could claim are not listed.
     */
    public Map<Integer, String> waitReasons(int taskId) {
        task(taskId);
        return WaitReasons.on(engine).of(taskId);
    }

    /**
     * Cancels a task: its waiting steps become {@code cancelled} at once, running ones are
     * interrupted at their worker's next heartbeat. Returns how many steps were affected.
     */
    public int cancelTask(int taskId) {
        return engine.cancelTask(taskId);
    }

    /** Cancels one step and the steps waiting for it. */
    public int cancelStep(int stepId) {
        return engine.cancelStep(stepId);
    }

    /** Every attempt to execute the step, oldest first. */
    public List<StepRun> history(int stepId) {
        return engine.history(stepId);
    }

    /**
     * The full log of one attempt of a step (attempts count from 1, see {@link #history(int)}), as stored so far:
     * read lazily from the database, a few chunks at a time, so a log of any size streams in bounded memory.
     * Empty when the attempt wrote nothing or its log was pruned (or not kept, {@link LogOptions}).
     *
     * @throws NotFoundException when the step does not exist or has no such attempt
     */
    public Stream<LogLine> logs(int stepId, int attempt) {
        checkAttempt(stepId, attempt);
        return logs.lines(stepId, attempt, false);
    }

    /**
     * Like {@link #logs(int, int)}, but goes on while the attempt runs (on whichever worker or machine): lines come
     * as the worker stores them (at least every 200 ms), and the stream ends when the attempt ends. Blocks while
     * waiting; interrupting the reading thread ends the stream.
     */
    public Stream<LogLine> followLogs(int stepId, int attempt) {
        checkAttempt(stepId, attempt);
        return logs.lines(stepId, attempt, true);
    }

    /** Bytes of an attempt's stored log (each line's UTF-8 text and a newline), 0 when none is stored. */
    public long logBytes(int stepId, int attempt) {
        checkAttempt(stepId, attempt);
        return logs.storedBytes(stepId, attempt);
    }

    private void checkAttempt(int stepId, int attempt) {
        step(stepId);
        if (attempt < 1 || attempt > logs.latestAttempt(stepId)) {
            throw new NotFoundException("attempt " + attempt + " of step", stepId);
        }
    }

    /** The task's dependency graph as Graphviz DOT ({@code "dot"}) or Mermaid ({@code "mermaid"}). */
    public String graph(int taskId, String format) {
        return new DependencyDiagram(definitions).render(steps(taskId), format);
    }

    /** The DataSource task-sync uses (for tools and tests that read the tables directly). */
    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        Closeables.closeAll(new ArrayList<>(workers)); // workers still open stop first (gracefully), then the engine's threads
        engine.close();
        registry.close(); // after the engine: no step runs on what the providers share (a Docker connection)
        Closeables.closeAll(owned);
    }
}
