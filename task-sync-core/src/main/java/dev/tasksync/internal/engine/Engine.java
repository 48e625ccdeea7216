package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.InvalidDependencyException;
import dev.tasksync.Plan;
import dev.tasksync.Plan.PlannedStep;
import dev.tasksync.RunListener;
import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.StepResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.internal.graph.StepGraph;
import dev.tasksync.internal.hashing.FileHasher;
import dev.tasksync.internal.hashing.FileIndex;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.types.ParsedSettings;
import dev.tasksync.internal.types.StepTypeRegistry;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.spi.UpstreamStep;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_DEPENDENCIES;
import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;
import static org.jooq.impl.DSL.currentOffsetDateTime;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;

/**
 * Executes a task's steps in dependency order. The one execution path: claim runnable steps in a
 * transaction ({@code SELECT ... FOR UPDATE SKIP LOCKED}), execute them outside it, record each
 * outcome in its own transaction.
 */
public final class Engine {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final Logger STEP_LOG = LoggerFactory.getLogger("dev.tasksync.step");
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final DSLContext dsl;
    private final StepTypeRegistry registry;
    private final String workerId;
    private final List<java.nio.file.PathMatcher> ignore;

    public Engine(DSLContext dsl, StepTypeRegistry registry, String workerId, List<String> ignoreGlobs) {
        this.dsl = dsl;
        this.registry = registry;
        this.workerId = workerId;
        this.ignore = FileHasher.matchers(ignoreGlobs);
    }

    /** What {@link #run} would execute now, and why. Writes nothing. */
    public Plan plan(int taskId, boolean force) {
        return load(taskId).plan(force, new FileIndex(dsl)).plan;
    }

    public RunResult run(int taskId, RunOptions options) {
        long started = System.nanoTime();
        Loaded loaded = load(taskId);
        Decision decision = loaded.plan(options.force(), new FileIndex(dsl));
        List<Integer> toRun = decision.plan.steps().stream().filter(PlannedStep::willRun).map(PlannedStep::stepId).toList();
        List<Integer> upToDate = decision.plan.steps().stream().filter(p -> !p.willRun()).map(PlannedStep::stepId).toList();

        dsl.transaction(tx -> {
            DSLContext t = tx.dsl();
            Store.lockTask(t, taskId);
            if (!toRun.isEmpty()) {
                t.update(STEPS).set(STEPS.STATUS, StepStatus.NEW.dbValue())
                        .where(STEPS.ID.eq(org.jooq.impl.DSL.any(toRun.toArray(Integer[]::new)))).and(STEPS.STATUS.ne(StepStatus.NEW.dbValue())).execute();
            }
            if (!upToDate.isEmpty()) {
                t.update(STEPS)
                        .set(STEPS.RESULTS, field("coalesce({0}, '{}'::jsonb) || '{\"up_to_date\": true}'::jsonb",
                                STEPS.RESULTS.getDataType(), STEPS.RESULTS))
                        .where(STEPS.ID.eq(org.jooq.impl.DSL.any(upToDate.toArray(Integer[]::new)))).execute();
            }
            Store.setTaskStatus(t, taskId, toRun.isEmpty() ? taskStatus(t, taskId) : "active");
        });

        options.listener().runStarted(loaded.task, loaded.steps.size());
        Set<Integer> executed = toRun.isEmpty() ? Set.of() : execute(loaded, decision, options);
        String finalStatus = dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            // Steps still new here wait on a dependency that can no longer complete.
            t.update(STEPS).set(STEPS.STATUS, StepStatus.SKIPPED.dbValue())
                    .set(STEPS.RESULTS, Store.jsonb(Store.JSON.createObjectNode().put("skipped_because", "a dependency did not complete")))
                    .where(STEPS.TASK_ID.eq(taskId)).and(STEPS.STATUS.eq(StepStatus.NEW.dbValue())).execute();
            String status = taskStatus(t, taskId);
            Store.setTaskStatus(t, taskId, status);
            return status;
        });
        List<StepResult> results = Store.steps(dsl, taskId).stream()
                .map(s -> new StepResult(s.id(), s.title(), s.status(), s.results(),
                        executed.contains(s.id()) ? s.duration() : Duration.ZERO, executed.contains(s.id())))
                .toList();
        return new RunResult(taskId, loaded.task.name(), finalStatus, results, Duration.ofNanos(System.nanoTime() - started));
    }

    // ---- execution

    /** A step claimed by this worker: which attempt it is. */
    private record Claim(int stepId, int attempt) {
    }

    private Set<Integer> execute(Loaded loaded, Decision decision, RunOptions options) {
        int concurrency = options.concurrency();
        Set<Integer> executed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        LinkedBlockingQueue<Integer> finished = new LinkedBlockingQueue<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        int pool = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "task-sync-" + pool + "-step-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        int running = 0;
        try {
            while (true) {
                int free = concurrency - running;
                List<Claim> claims = free > 0 ? claim(loaded.task.id(), free) : List.of();
                for (Claim claim : claims) {
                    running++;
                    executed.add(claim.stepId());
                    executor.execute(() -> {
                        try {
                            executeOne(loaded, decision, claim, options.listener(), cancelled);
                        } catch (RuntimeException e) {
                            LOG.error("recording the outcome of step {} failed", claim.stepId(), e);
                        } finally {
                            finished.add(claim.stepId());
                        }
                    });
                }
                if (running == 0) {
                    break;
                }
                finished.take();
                running--;
                while (finished.poll() != null) {
                    running--;
                }
            }
        } catch (InterruptedException e) {
            cancelled.set(true);
            Thread.currentThread().interrupt();
        } finally {
            executor.shutdown();
            try {
                if (cancelled.get()) {
                    executor.shutdownNow();
                }
                executor.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                executor.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        return executed;
    }

    /** Claims up to {@code limit} runnable steps of the task: new, and every dependency completed. */
    private List<Claim> claim(int taskId, int limit) {
        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            var candidate = STEPS.as("candidate");
            var upstream = STEPS.as("upstream");
            List<Claim> claims = t.update(STEPS)
                    .set(STEPS.STATUS, StepStatus.ACTIVE.dbValue())
                    .set(STEPS.ATTEMPT, STEPS.ATTEMPT.plus(1))
                    .set(STEPS.STARTED_AT, currentOffsetDateTime())
                    .setNull(STEPS.FINISHED_AT)
                    .where(STEPS.ID.in(select(candidate.ID).from(candidate)
                            .where(candidate.TASK_ID.eq(taskId))
                            .and(candidate.STATUS.eq(StepStatus.NEW.dbValue()))
                            .andNotExists(selectOne().from(STEP_DEPENDENCIES)
                                    .join(upstream).on(upstream.ID.eq(STEP_DEPENDENCIES.DEPENDS_ON_ID))
                                    .where(STEP_DEPENDENCIES.STEP_ID.eq(candidate.ID))
                                    .and(upstream.STATUS.ne(StepStatus.COMPLETED.dbValue())))
                            .orderBy(candidate.ID)
                            .limit(limit)
                            .forUpdate().of(candidate).skipLocked()))
                    .returning(STEPS.ID, STEPS.ATTEMPT)
                    .fetch(r -> new Claim(r.getId(), r.getAttempt()));
            if (!claims.isEmpty()) {
                var insert = t.insertInto(STEP_RUNS, STEP_RUNS.STEP_ID, STEP_RUNS.ATTEMPT, STEP_RUNS.WORKER_ID, STEP_RUNS.STARTED_AT);
                for (Claim c : claims) {
                    insert = insert.values(inline(c.stepId()), inline(c.attempt()), inline(workerId), currentOffsetDateTime());
                }
                insert.execute();
            }
            return claims;
        });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void executeOne(Loaded loaded, Decision decision, Claim claim, RunListener listener, AtomicBoolean cancelled) {
        int id = claim.stepId();
        Step step = loaded.steps.get(id);
        ParsedSettings parsed = loaded.parsed.get(id);
        listener.stepStarted(id, step.title());
        LogTail tail = new LogTail();
        ExecutionContext context = new ExecutionContext(loaded.task.id(), loaded.task.name(), id, step.title(),
                claim.attempt(), loaded.localPath, parsed.settings(), parsed.value(),
                () -> upstreamOf(loaded, id),
                line -> {
                    tail.add(line);
                    STEP_LOG.info("[{} #{}] {}", step.title(), id, line);
                    listener.stepLog(id, line);
                },
                cancelled::get);
        StepOutcome outcome;
        try {
            outcome = ((StepType) parsed.stepType()).execute(context);
            if (outcome == null) {
                outcome = StepOutcome.failure("step type " + parsed.type() + " returned no outcome");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = StepOutcome.failure("interrupted");
        } catch (Exception | LinkageError e) {
            LOG.debug("step {} '{}' threw", id, step.title(), e);
            outcome = StepOutcome.failure(e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        Inputs inputs = decision.inputs.get(id);
        ObjectNode results = outcome.results().deepCopy();
        if (!inputs.files().isEmpty()) {
            results.set("file_hashes", inputs.fileHashes());
        }
        if (!outcome.succeeded()) {
            results.put("error", outcome.error());
        }
        record(loaded, claim, outcome.succeeded(), results, outcome.error(), tail.text(),
                outcome.succeeded() ? inputs : null);
        Step stored = Store.step(dsl, id);
        listener.stepFinished(new StepResult(id, stored.title(), stored.status(), stored.results(), stored.duration(), true));
    }

    /** Records an outcome, fenced by attempt: a worker whose claim was taken over changes nothing. */
    private void record(Loaded loaded, Claim claim, boolean succeeded, ObjectNode results, String error,
                        String logTail, Inputs inputs) {
        int id = claim.stepId();
        dsl.transaction(tx -> {
            DSLContext t = tx.dsl();
            int updated = t.update(STEPS)
                    .set(STEPS.STATUS, (succeeded ? StepStatus.COMPLETED : StepStatus.FAILED).dbValue())
                    .set(STEPS.RESULTS, Store.jsonb(results))
                    .set(STEPS.FINISHED_AT, currentOffsetDateTime())
                    .set(STEPS.FINGERPRINT, inputs == null ? null : inputs.fingerprint())
                    .set(STEPS.INPUTS, inputs == null ? null : Store.jsonb(inputs.toJson()))
                    .where(STEPS.ID.eq(id))
                    .and(STEPS.ATTEMPT.eq(claim.attempt()))
                    .and(STEPS.STATUS.eq(StepStatus.ACTIVE.dbValue()))
                    .execute();
            t.update(STEP_RUNS)
                    .set(STEP_RUNS.FINISHED_AT, currentOffsetDateTime())
                    .set(STEP_RUNS.OUTCOME, updated == 0 ? "abandoned" : succeeded ? "completed" : "failed")
                    .set(STEP_RUNS.ERROR, error)
                    .set(STEP_RUNS.LOG_TAIL, logTail)
                    .where(STEP_RUNS.STEP_ID.eq(id)).and(STEP_RUNS.ATTEMPT.eq(claim.attempt()))
                    .execute();
            if (updated == 1 && !succeeded) {
                Set<Integer> downstream = loaded.graph.downstreamOf(id);
                if (!downstream.isEmpty()) {
                    ObjectNode skipped = Store.JSON.createObjectNode();
                    skipped.putObject("skipped_because").put("id", id).put("title", loaded.steps.get(id).title())
                            .put("status", StepStatus.FAILED.dbValue());
                    t.update(STEPS).set(STEPS.STATUS, StepStatus.SKIPPED.dbValue())
                            .set(STEPS.RESULTS, Store.jsonb(skipped))
                            .where(STEPS.ID.eq(org.jooq.impl.DSL.any(downstream.toArray(Integer[]::new)))).and(STEPS.STATUS.eq(StepStatus.NEW.dbValue()))
                            .execute();
                }
            }
        });
    }

    private List<UpstreamStep> upstreamOf(Loaded loaded, int id) {
        List<Integer> ids = loaded.graph.upstreamOf(id);
        if (ids.isEmpty()) {
            return List.of();
        }
        Set<Integer> direct = new HashSet<>(loaded.graph.directUpstreamOf(id));
        Map<Integer, JsonNode> results = new HashMap<>();
        dsl.select(STEPS.ID, STEPS.RESULTS).from(STEPS).where(STEPS.ID.in(ids))
                .forEach(r -> results.put(r.value1(), Store.parse(r.value2())));
        List<UpstreamStep> upstream = new ArrayList<>();
        for (int up : ids) {
            Step s = loaded.steps.get(up);
            upstream.add(new UpstreamStep(up, s.title(), loaded.parsed.get(up).type(), results.get(up), direct.contains(up)));
        }
        return upstream;
    }

    private static String taskStatus(DSLContext t, int taskId) {
        Set<String> statuses = new HashSet<>(t.selectDistinct(STEPS.STATUS).from(STEPS).where(STEPS.TASK_ID.eq(taskId)).fetch(STEPS.STATUS));
        if (statuses.isEmpty()) {
            return "new";
        }
        if (statuses.contains("failed")) {
            return "failed";
        }
        if (statuses.contains("active")) {
            return "active";
        }
        if (statuses.equals(Set.of("completed"))) {
            return "completed";
        }
        if (statuses.contains("skipped")) {
            return "failed";
        }
        return statuses.equals(Set.of("new")) ? "new" : "active";
    }

    // ---- loading and planning

    private Loaded load(int taskId) {
        Task task = Store.task(dsl, taskId);
        List<Step> steps = Store.steps(dsl, taskId);
        Map<Integer, Step> byId = new LinkedHashMap<>();
        steps.forEach(s -> byId.put(s.id(), s));
        Map<Integer, ParsedSettings> parsed = new HashMap<>();
        Map<Integer, List<Integer>> deps = new LinkedHashMap<>();
        for (Step s : steps) {
            ParsedSettings p = registry.parse(s.settings());
            parsed.put(s.id(), p);
            for (int dep : p.dependsOn()) {
                if (!byId.containsKey(dep)) {
                    throw new InvalidDependencyException(s.title(), "step " + dep, "which is not a step of task '" + task.name() + "'");
                }
            }
            deps.put(s.id(), p.dependsOn());
        }
        StepGraph<Integer> graph = StepGraph.of(deps, id -> id + " '" + byId.get(id).title() + "'");
        Map<Integer, StoredState> stored = new HashMap<>();
        dsl.select(STEPS.ID, STEPS.FINGERPRINT, STEPS.INPUTS).from(STEPS).where(STEPS.TASK_ID.eq(taskId))
                .forEach(r -> stored.put(r.value1(), new StoredState(r.value2(), Inputs.fromJson(Store.parse(r.value3())))));
        return new Loaded(task, byId, parsed, graph, stored, localPath(task), ignore);
    }

    static Path localPath(Task task) {
        return task.localPath() == null || task.localPath().isBlank()
                ? Paths.get("").toAbsolutePath()
                : Paths.get(task.localPath()).toAbsolutePath();
    }

    private record Decision(Plan plan, Map<Integer, Inputs> inputs) {
    }

    private record Loaded(Task task, Map<Integer, Step> steps, Map<Integer, ParsedSettings> parsed,
                          StepGraph<Integer> graph, Map<Integer, StoredState> stored, Path localPath,
                          List<java.nio.file.PathMatcher> ignore) {

        Decision plan(boolean force, FileIndex index) {
            List<Integer> order = graph.topologicalOrder();
            // All watched files of all steps are stat'ed, looked up and hashed together.
            Map<Integer, Map<String, Path>> watched = new HashMap<>();
            Set<Path> files = new HashSet<>();
            for (int id : order) {
                Map<String, Path> w = FileHasher.expand(localPath, parsed.get(id).watchedFiles(), ignore);
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
                Inputs in = new Inputs(FileHasher.sha256(parsed.get(id).document().toString()), fileHashes, upstream);
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
            if (force) {
                return new PlannedStep(step.id(), title, true, "forced");
            }
            switch (step.status()) {
                case FAILED -> { return new PlannedStep(step.id(), title, true, "failed last time"); }
                case SKIPPED -> { return new PlannedStep(step.id(), title, true, "skipped last time"); }
                case ACTIVE -> { return new PlannedStep(step.id(), title, true, "interrupted last time"); }
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
                String why = last.inputs() == null ? null : in.whatChangedSince(last.inputs());
                return new PlannedStep(step.id(), title, true, why == null ? "inputs changed" : why);
            }
            var stale = parsed.get(step.id()).staleReason(step.results());
            if (stale.isPresent()) {
                return new PlannedStep(step.id(), title, true, stale.get());
            }
            return new PlannedStep(step.id(), title, false, "up to date");
        }
    }

    /** The fingerprint and inputs recorded by a step's last successful run. */
    private record StoredState(String fingerprint, Inputs inputs) {
    }
}
