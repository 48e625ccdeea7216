package dev.tasksync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.TaskDefinition.StepDefinition;
import dev.tasksync.internal.db.EmbeddedServer;
import dev.tasksync.internal.db.Pool;
import dev.tasksync.internal.db.Redaction;
import dev.tasksync.internal.db.SharedServer;
import dev.tasksync.internal.engine.Engine;
import dev.tasksync.internal.engine.WorkerLoop;
import dev.tasksync.internal.graph.ImplicitDependencies;
import dev.tasksync.internal.graph.UpstreamNeeds;
import dev.tasksync.internal.graph.StepGraph;
import dev.tasksync.internal.store.Database;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.store.TaskSummaries;
import dev.tasksync.internal.types.Fields;
import dev.tasksync.internal.types.ParsedSettings;
import dev.tasksync.internal.types.StepTypeRegistry;
import dev.tasksync.spi.StepType;
import org.jooq.DSLContext;

import javax.sql.DataSource;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

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
    private final List<AutoCloseable> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final String schema;
    private final DSLContext dsl;
    private final StepTypeRegistry registry;
    private final Engine engine;
    private final int concurrency;
    private final WorkerOptions workerOptions;

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
        this.engine = new Engine(dsl, registry, workerId, b.ignoredFiles, schema, b.workerOptions);
    }

    // ---- opening

    /**
     * Embedded PostgreSQL with its data under {@code ~/.task-sync} (or {@code $TASKSYNC_HOME}): durable, and
     * reached only with the password generated for it, kept owner-only in {@code ~/.task-sync/postgres.password}.
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

        private Builder() {
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

        /** The embedded PostgreSQL with its data in the default home ({@code ~/.task-sync/postgres}). */
        public Builder embedded() {
            return embedded(EmbeddedServer.defaultHome().resolve("postgres"));
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
            DataSource ds = dataSource;
            try {
                if (ds == null && jdbcUrl != null) {
                    var pool = Pool.open(jdbcUrl, user, password, Math.max(4, concurrency + 2));
                    owned.add(pool);
                    ds = pool;
                } else if (ds == null) {
                    Path dir = (embeddedDirectory != null ? embeddedDirectory : EmbeddedServer.defaultHome().resolve("postgres"))
                            .toAbsolutePath().normalize();
                    // The CLI keeps a server running on this directory between commands: share it.
                    SharedServer sharedServer = dir.getParent() == null ? null : SharedServer.in(dir.getParent());
                    var shared = sharedServer == null ? Optional.<SharedServer.Info>empty()
                            : sharedServer.status().filter(i -> i.dataDirectory().equals(dir));
                    String url;
                    String password;
                    if (shared.isPresent()) {
                        url = sharedServer.ensureRunning().jdbcUrl();
                        password = sharedServer.password();
                    } else {
                        EmbeddedServer server = EmbeddedServer.start(dir, 0);
                        owned.add(server);
                        url = server.jdbcUrl();
                        password = server.password();
                    }
                    var pool = Pool.open(url, EmbeddedServer.USER, password, Math.max(4, concurrency + 2));
                    owned.add(0, pool);
                    ds = pool;
                }
                TaskSync ts = new TaskSync(this, ds, owned);
                if (migrate) {
                    ts.migrate();
                }
                return ts;
            } catch (RuntimeException e) {
                closeAll(owned);
                if (e instanceof TaskSyncException && !(e instanceof DatabaseException)) {
                    throw e;
                }
                throw new TaskSyncException("could not open task-sync" + (jdbcUrl != null ? " on " + Redaction.redact(jdbcUrl, password) : "")
                        + ": " + Redaction.redact(e.getMessage(), password), e);
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
        Map<String, ParsedSettings> parsed = validate(definition);
        String localPath = Fields.localPath(definition.localPath()); // stored absolute, like createTask's
        Map<String, List<String>> deps = new LinkedHashMap<>();
        definition.steps().forEach(s -> deps.put(s.title(), s.dependsOn()));
        Map<String, Integer> position = new HashMap<>();
        deps.keySet().forEach(t -> position.put(t, position.size()));
        // Dependencies first, otherwise definition order, so ids follow the definition where they can.
        List<String> order = StepGraph.of(deps, t -> "'" + t + "'")
                .topologicalOrder(java.util.Comparator.comparing(position::get));
        Map<String, StepDefinition> byTitle = new HashMap<>();
        definition.steps().forEach(s -> byTitle.put(s.title(), s));

        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            Task task = Store.taskByName(t, definition.name())
                    .map(existing -> Store.updateTask(t, existing.id(),
                            definition.status() != null ? definition.status() : existing.status(),
                            localPath))
                    .orElseGet(() -> Store.insertTask(t, definition.name(), definition.status(), localPath));
            Store.lockTask(t, task.id());
            Map<String, Step> existing = new HashMap<>();
            for (Step s : Store.steps(t, task.id())) {
                if (existing.put(s.title(), s) != null) {
                    throw new InvalidDefinitionException(definition.name(), List.of("task already holds two steps titled '"
                            + s.title() + "'; rename or delete one before saving by title"));
                }
            }
            Map<String, Integer> ids = new HashMap<>();
            for (String title : order) {
                ParsedSettings p = parsed.get(title);
                List<Integer> depIds = byTitle.get(title).dependsOn().stream().map(ids::get).toList();
                JsonNode document = StepTypeRegistry.withDependsOn(p.type(), p.document().get(p.type()), depIds);
                Step current = existing.remove(title);
                if (current == null) {
                    ids.put(title, Store.insertStep(t, task.id(), title, document, depIds).id());
                } else {
                    ids.put(title, current.id());
                    if (!current.settings().equals(document)) {
                        Store.updateStep(t, current.id(), title, document, depIds);
                    }
                }
            }
            if (!existing.isEmpty()) {
                Set<Integer> removed = new HashSet<>();
                existing.values().forEach(s -> removed.add(s.id()));
                for (int id : removed) {
                    Store.replaceDependencies(t, id, List.of());
                }
                for (int id : removed) {
                    Store.deleteStep(t, id);
                }
            }
            Map<Integer, ParsedSettings> byId = new HashMap<>();
            ids.forEach((title, id) -> byId.put(id, parsed.get(title)));
            List<UpstreamNeeds.Unmet<Integer>> unmet = storeImplicitDependencies(t, task, byId, null);
            if (!unmet.isEmpty()) {
                Map<Integer, String> titleOf = new HashMap<>();
                ids.forEach((title, id) -> titleOf.put(id, title));
                throw new InvalidDefinitionException(definition.name(), unmet.stream()
                        .map(u -> "step '" + titleOf.get(u.step()) + "': " + u.path() + ": " + u.message()).toList());
            }
            return Store.task(t, task.id());
        });
    }

    /** Checks a definition as a whole; every problem is reported at once. */
    private Map<String, ParsedSettings> validate(TaskDefinition definition) {
        List<String> problems = new ArrayList<>();
        for (Runnable check : List.<Runnable>of(() -> Fields.taskName(definition.name()),
                () -> Fields.taskStatus(definition.status()), () -> Fields.localPath(definition.localPath()))) {
            try {
                check.run();
            } catch (TaskSyncException e) {
                problems.add(e.getMessage());
            }
        }
        Map<String, ParsedSettings> parsed = new LinkedHashMap<>();
        Set<String> titles = new HashSet<>();
        definition.steps().forEach(s -> {
            try {
                Fields.stepTitle(s.title());
            } catch (TaskSyncException e) {
                problems.add(e.getMessage());
            }
            if (!titles.add(s.title())) {
                problems.add("two steps are titled '" + s.title() + "'; titles identify steps within a task");
            }
        });
        for (StepDefinition s : definition.steps()) {
            try {
                JsonNode document = Store.JSON.createObjectNode().set(s.settings().type(), s.value());
                ParsedSettings p = registry.parse(document);
                if (!p.dependsOn().isEmpty()) {
                    problems.add("step '" + s.title() + "': name dependencies with dependsOn(title), not depends_on ids");
                }
                if (!s.dependsOn().isEmpty() && StepTypeRegistry.objectForm(s.settings().type(), s.settings().toJson()).isEmpty()) {
                    problems.add("step '" + s.title() + "': settings of type " + s.settings().type()
                            + " are not an object, so it cannot depend on other steps");
                }
                parsed.put(s.title(), p);
            } catch (InvalidSettingsException e) {
                e.problems().forEach(pr -> problems.add("step '" + s.title() + "': " + pr));
            }
            for (String dep : s.dependsOn()) {
                if (!titles.contains(dep)) {
                    problems.add("step '" + s.title() + "' depends on '" + dep + "', which is not a step of this definition");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidDefinitionException(definition.name(), problems);
        }
        return parsed;
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
        Fields.taskName(name);
        Fields.taskStatus(status);
        String path = Fields.localPath(localPath); // stored absolute: "." is where this process runs
        return dsl.transactionResult(tx -> Store.insertTask(tx.dsl(), name, status == null ? TaskStatus.NEW.dbValue() : status, path));
    }

    /** Updates a task's status and local path (a relative one is stored absolute, resolved here). */
    public Task updateTask(int id, String status, String localPath) {
        Fields.taskStatus(status);
        String path = Fields.localPath(localPath);
        return dsl.transactionResult(tx -> Store.updateTask(tx.dsl(), id, status, path));
    }

    public Task task(int id) {
        return Store.task(dsl, id);
    }

    public Optional<Task> findTask(String name) {
        if (name == null || name.length() > Fields.MAX_NAME_LENGTH || dev.tasksync.internal.types.SettingsJson.textProblem(name) != null) {
            return Optional.empty(); // no task can have this name (and PostgreSQL could not even compare it)
        }
        return Store.taskByName(dsl, name);
    }

    /** A task by id (all digits) or by name. */
    public Task task(String idOrName) {
        if (idOrName.matches("\\d+")) {
            return task(id("task", idOrName));
        }
        return findTask(idOrName).orElseThrow(() -> new NotFoundException("task", idOrName));
    }

    /** A task or step id given as text: digits within the range of ids. */
    private static int id(String what, String text) {
        try {
            int id = Integer.parseInt(text);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TaskSyncException("'" + text + "' is not a valid " + what + " id: ids are whole numbers from 1 to "
                + Integer.MAX_VALUE);
    }

    public List<Task> tasks() {
        return Store.tasks(dsl);
    }

    /** One page of tasks, newest first, with their steps counted by status (for lists of many tasks). */
    public List<TaskSummary> taskSummaries(TaskQuery query) {
        return TaskSummaries.page(dsl, query);
    }

    /** Each step of the task with its status, in id order (cheaper than {@link #steps(int)} for live views). */
    public Map<Integer, StepStatus> stepStatuses(int taskId) {
        return TaskSummaries.statuses(dsl, taskId);
    }

    /** Deletes a task with all its steps. */
    public void deleteTask(int id) {
        dsl.transaction(tx -> Store.deleteTask(tx.dsl(), id));
    }

    // ---- steps

    /**
     * Creates a step from the specification's JSON, e.g. {@code {"file_exists": ["main.go"]}}.
     * The settings are checked (type, fields, depends_on ids of the same task) before anything is written.
     */
    public Step createStep(int taskId, String title, String settingsJson) {
        Fields.stepTitle(title);
        ParsedSettings parsed = registry.parse(settingsJson);
        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            Task task = Store.lockTask(t, taskId);
            checkTitleIsFree(t, task, title, null);
            checkDependencies(t, task, title, null, parsed.dependsOn());
            Step step = Store.insertStep(t, taskId, title, parsed.document(), parsed.dependsOn());
            if (!parsed.produces().isEmpty() || !parsed.consumes().isEmpty() || parsed.upstreamNeed().isPresent()) {
                // a step that makes and uses nothing changes no one's implicit dependencies; a new step takes
                // nothing away from what is upstream of the others, so only its own need is checked
                refuseUnmet(storeImplicitDependencies(t, task, Map.of(step.id(), parsed), Set.of(step.id())));
            }
            return step;
        });
    }

    /** Typed settings for an existing task; dependencies are step ids of the same task. */
    public Step createStep(int taskId, String title, StepSettings settings, int... dependsOn) {
        List<Integer> ids = java.util.Arrays.stream(dependsOn).boxed().toList();
        return createStep(taskId, title, StepTypeRegistry.withDependsOn(settings.type(), settings.toJson(), ids).toString());
    }

    /** Replaces a step's settings (and optionally its title), checked like {@link #createStep}. */
    public Step updateStep(int stepId, String title, String settingsJson) {
        if (title != null) {
            Fields.stepTitle(title);
        }
        ParsedSettings parsed = registry.parse(settingsJson);
        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            Step current = Store.step(t, stepId);
            Task task = Store.lockTask(t, current.taskId());
            String newTitle = title == null ? current.title() : title;
            if (!newTitle.equals(current.title())) { // steps stored with one title before titles were unique stay editable
                checkTitleIsFree(t, task, newTitle, stepId);
            }
            checkDependencies(t, task, newTitle, stepId, parsed.dependsOn());
            // what upstream of a step can change only for this step and those that waited for it before the edit
            Set<Integer> affected = downstreamOf(t, task.id(), stepId);
            Step step = Store.updateStep(t, stepId, newTitle, parsed.document(), parsed.dependsOn());
            List<UpstreamNeeds.Unmet<Integer>> unmet = storeImplicitDependencies(t, task, Map.of(stepId, parsed), affected);
            if (!unmet.isEmpty()) {
                Map<Integer, String> titles = new HashMap<>();
                Store.steps(t, task.id()).forEach(s -> titles.put(s.id(), s.title()));
                refuseUnmet(unmet.stream().map(u -> u.step() == stepId ? u : new UpstreamNeeds.Unmet<>(u.step(), u.path(),
                        "in step " + u.step() + " '" + titles.get(u.step()) + "', which waits for this one: " + u.message()))
                        .toList());
            }
            return step;
        });
    }

    /** Titles identify steps within a task (saving a definition matches by title). */
    private static void checkTitleIsFree(DSLContext t, Task task, String title, Integer stepId) {
        for (Step other : Store.steps(t, task.id())) {
            if (other.title().equals(title) && (stepId == null || other.id() != stepId)) {
                throw new TaskSyncException("the step title '" + title + "' is taken: task " + task.id() + " '" + task.name()
                        + "' already has step " + other.id() + " with it; titles identify steps within a task");
            }
        }
    }

    /**
     * Derives the task's implicit dependencies from its steps' settings (a step waits for the steps of its task
     * that make the image or container it uses), refuses a cycle they close, and stores them beside depends_on
     * in the same transaction, so that claims wait for them. {@code known}: settings parsed already, by step id;
     * a stored step whose type this instance does not know makes and uses nothing.
     */
    private List<UpstreamNeeds.Unmet<Integer>> storeImplicitDependencies(DSLContext t, Task task,
                                                                          Map<Integer, ParsedSettings> known,
                                                                          Set<Integer> check) {
        List<Step> steps = Store.steps(t, task.id());
        Map<Integer, List<Integer>> explicit = new LinkedHashMap<>();
        Map<Integer, ParsedSettings> parsed = new HashMap<>();
        Map<Integer, String> names = new HashMap<>();
        Map<Integer, String> types = new HashMap<>();
        for (Step s : steps) {
            explicit.put(s.id(), s.dependsOn());
            names.put(s.id(), s.id() + " '" + s.title() + "'");
            types.put(s.id(), s.type());
            ParsedSettings p = known.get(s.id());
            if (p == null) {
                try {
                    p = registry.parse(s.settings());
                } catch (TaskSyncException unknownHere) {
                    p = null;
                }
            }
            parsed.put(s.id(), p);
        }
        ImplicitDependencies<Integer> implicit = ImplicitDependencies.of(explicit, parsed);
        if (!implicit.isEmpty()) {
            try {
                StepGraph.of(implicit.combined(explicit), names::get);
            } catch (DependencyCycleException e) {
                Set<String> onCycle = new HashSet<>(e.steps());
                List<String> via = new ArrayList<>();
                for (var edge : implicit.edges()) {
                    if (onCycle.contains(names.get(edge.step())) && onCycle.contains(names.get(edge.dependsOn()))) {
                        via.add(names.get(edge.step()) + " waits implicitly for " + names.get(edge.dependsOn()) + ", which makes the "
                                + String.join(", ", edge.resources().stream().map(dev.tasksync.spi.StepResources::describe).toList())
                                + " it uses");
                    }
                }
                throw via.isEmpty() ? e : new DependencyCycleException(e.steps(), String.join("; ", via));
            }
        }
        Set<List<Integer>> edges = new HashSet<>();
        implicit.edges().forEach(edge -> edges.add(List.of(edge.step(), edge.dependsOn())));
        Store.replaceImplicitDependencies(t, task.id(), edges);
        Map<Integer, dev.tasksync.spi.UpstreamNeed> needs = new LinkedHashMap<>();
        parsed.forEach((id, p) -> {
            if (p != null && (check == null || check.contains(id))) {
                p.upstreamNeed().ifPresent(n -> needs.put(id, n));
            }
        });
        return needs.isEmpty() ? List.of() : UpstreamNeeds.check(implicit.combined(explicit), types, needs);
    }

    /** The step and every step that waits for it, directly or not, explicitly or implicitly, as stored now. */
    private static Set<Integer> downstreamOf(DSLContext t, int taskId, int stepId) {
        Map<Integer, List<Integer>> waiters = new HashMap<>();
        for (Step s : Store.steps(t, taskId)) {
            s.dependsOn().forEach(d -> waiters.computeIfAbsent(d, k -> new ArrayList<>()).add(s.id()));
        }
        Store.implicitDependencies(t, taskId).forEach(e -> waiters.computeIfAbsent(e.get(1), k -> new ArrayList<>()).add(e.get(0)));
        Set<Integer> seen = new HashSet<>();
        java.util.Deque<Integer> todo = new java.util.ArrayDeque<>(List.of(stepId));
        while (!todo.isEmpty()) {
            int id = todo.pop();
            if (seen.add(id)) {
                todo.addAll(waiters.getOrDefault(id, List.of()));
            }
        }
        return seen;
    }

    /** A step that takes from upstream what nothing upstream of it provides is refused (the transaction rolls back). */
    private static void refuseUnmet(List<UpstreamNeeds.Unmet<Integer>> unmet) {
        if (!unmet.isEmpty()) {
            throw new InvalidSettingsException(unmet.stream()
                    .map(u -> new InvalidSettingsException.Problem(u.path(), u.message())).toList());
        }
    }

    /**
     * Every dependency of the task's steps: each step's {@code depends_on} (explicit), then the steps it waits for
     * because they make an image or container it uses (implicit), in step order.
     */
    public List<Dependency> dependencies(int taskId) {
        List<Step> steps = steps(taskId);
        Map<Integer, List<Integer>> explicit = new LinkedHashMap<>();
        steps.forEach(s -> explicit.put(s.id(), s.dependsOn()));
        ImplicitDependencies<Integer> implicit = implicitDependencies(steps, explicit);
        List<Dependency> all = new ArrayList<>();
        for (Step s : steps) {
            s.dependsOn().forEach(d -> all.add(new Dependency(s.id(), d, false, List.of())));
            implicit.of(s.id()).forEach(e -> all.add(new Dependency(s.id(), e.dependsOn(), true, e.resources())));
        }
        return all;
    }

    /** The implicit edges of stored steps, as the engine derives them (types unknown here make and use nothing). */
    private ImplicitDependencies<Integer> implicitDependencies(List<Step> steps, Map<Integer, List<Integer>> explicit) {
        Map<Integer, ParsedSettings> parsed = new HashMap<>();
        for (Step s : steps) {
            try {
                parsed.put(s.id(), registry.parse(s.settings()));
            } catch (TaskSyncException unknownHere) {
                parsed.put(s.id(), null);
            }
        }
        return ImplicitDependencies.of(explicit, parsed);
    }

    /** Each id must be a step of the task; with the edited step's new dependencies the task must stay acyclic. */
    private static void checkDependencies(DSLContext t, Task task, String title, Integer stepId, List<Integer> dependsOn) {
        if (dependsOn.isEmpty()) {
            return;
        }
        List<Step> steps = Store.steps(t, task.id());
        Map<Integer, List<Integer>> graph = new LinkedHashMap<>();
        Map<Integer, String> titles = new HashMap<>();
        steps.forEach(s -> {
            graph.put(s.id(), s.dependsOn());
            titles.put(s.id(), s.title());
        });
        for (int dep : dependsOn) {
            if (stepId != null && dep == stepId) {
                throw new DependencyCycleException(List.of(stepId + " '" + title + "'"));
            }
            if (!graph.containsKey(dep)) {
                Optional<Step> other = Optional.empty();
                try {
                    other = Optional.of(Store.step(t, dep));
                } catch (NotFoundException ignored) {
                    // reported below
                }
                throw new InvalidDependencyException(title, "step " + dep, other
                        .map(o -> "which belongs to another task (" + o.taskId() + "); depends_on names steps of the same task")
                        .orElse("which does not exist"));
            }
        }
        if (stepId != null) {
            graph.put(stepId, dependsOn);
            StepGraph.of(graph, id -> id + " '" + (id.equals(stepId) ? title : titles.get(id)) + "'");
        }
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
        dsl.transaction(tx -> {
            DSLContext t = tx.dsl();
            Step step = Store.step(t, id);
            Task task = Store.lockTask(t, step.taskId());
            // a step that waited for this one only implicitly may have taken its image from it
            Set<Integer> affected = downstreamOf(t, task.id(), id);
            affected.remove(id);
            Store.deleteStep(t, id);
            List<UpstreamNeeds.Unmet<Integer>> unmet = affected.isEmpty() ? List.of()
                    : storeImplicitDependencies(t, task, Map.of(), affected);
            if (!unmet.isEmpty()) {
                Map<Integer, String> titles = new HashMap<>();
                Store.steps(t, task.id()).forEach(s -> titles.put(s.id(), s.title()));
                refuseUnmet(unmet.stream().map(u -> new UpstreamNeeds.Unmet<>(u.step(), u.path(), "in step " + u.step()
                        + " '" + titles.get(u.step()) + "', which waits for step " + id + " '" + step.title() + "': "
                        + u.message())).toList());
            }
        });
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

    /** The task's dependency graph as Graphviz DOT ({@code "dot"}) or Mermaid ({@code "mermaid"}). */
    public String graph(int taskId, String format) {
        List<Step> steps = steps(taskId);
        Map<Integer, List<Integer>> deps = new LinkedHashMap<>();
        Map<Integer, String> titles = new HashMap<>();
        steps.forEach(s -> {
            deps.put(s.id(), s.dependsOn());
            titles.put(s.id(), s.title());
        });
        ImplicitDependencies<Integer> implicit = implicitDependencies(steps, deps);
        return StepGraph.of(implicit.combined(deps), id -> id + " '" + titles.get(id) + "'")
                .render(format, id -> id + ": " + titles.get(id), (from, to) -> implicit.edge(to, from) != null);
    }

    /** The DataSource task-sync uses (for tools and tests that read the tables directly). */
    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        closeAll(new ArrayList<>(workers)); // workers still open stop first (gracefully), then the engine's threads
        engine.close();
        registry.close(); // after the engine: no step runs on what the providers share (a Docker connection)
        closeAll(owned);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable c : resources) {
            try {
                c.close();
            } catch (Exception e) {
                // closing is best effort; the first failure must not keep the rest open
            }
        }
    }
}
