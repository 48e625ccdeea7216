package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.InvalidDependencyException;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.NotFoundException;
import dev.tasksync.Plan;
import dev.tasksync.Plan.PlannedStep;
import dev.tasksync.Step;
import dev.tasksync.Task;
import dev.tasksync.internal.graph.ImplicitDependencies;
import dev.tasksync.internal.graph.StepGraph;
import dev.tasksync.internal.hashing.FileHasher;
import dev.tasksync.internal.hashing.WatchedFiles;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.internal.sql.Params;
import dev.tasksync.internal.sql.SqlFile;
import dev.tasksync.internal.store.Database;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.types.ParsedSettings;
import dev.tasksync.internal.types.StepTypeRegistry;
import org.jooq.DSLContext;

import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.Paths;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;

/**
 * Decides what a run executes: loads a task with its steps and their dependencies (implicit ones too) in one
 * read ({@link #load}), then fingerprints each step's inputs (its settings, watched files and upstream
 * fingerprints) and says for each whether it runs and why ({@link Loaded#plan}). Writes nothing.
 */
final class Planner {
    private final DSLContext dsl;
    private final StepTypeRegistry registry;
    private final List<PathMatcher> ignore;
    /** The inputs the large steps were last submitted with, for their next plans to explain a change from. */
    private final RecentInputs recent = new RecentInputs();

    private static final SqlFile SQL = SqlFile.load(Planner.class, "plan.sql");
    private static final NamedQuery TASK_TO_PLAN = SQL.query("taskToPlan");
    /** The tables' names in the configured schema (rendered at the first load). */
    private Map<String, String> identifiers;

    Planner(DSLContext dsl, StepTypeRegistry registry, List<PathMatcher> ignore) {
        this.dsl = dsl;
        this.registry = registry;
        this.ignore = ignore;
    }

    Loaded load(int taskId) {
        // One read: the task, its steps, and the state their last run left behind.
        Map<Integer, Step> byId = new LinkedHashMap<>();
        Map<Integer, String> stored = new HashMap<>();
        var sql = TASK_TO_PLAN.render(identifiers(), Set.of()).bind(Params.of().set("task_id", taskId));
        ZoneRules zone = ZoneId.systemDefault().getRules(); // once: systemDefault() copies the default TimeZone each call
        Task task = Database.onConnection(dsl, c -> {
            Task found = null;
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (found == null) {
                        found = new Task(rs.getInt("task_id"), rs.getString("task_name"), rs.getString("task_status"),
                                rs.getString("local_path"), timestamp(rs, "task_created_at", zone), timestamp(rs, "task_updated_at", zone));
                    }
                    int id = rs.getInt("id");
                    if (rs.wasNull()) {
                        continue; // a task with no steps
                    }
                    byId.put(id, Store.toStep(id, taskId, rs.getString("title"), rs.getString("status"), rs.getString("settings"),
                            rs.getString("results"), rs.getInt("attempt"), timestamp(rs, "started_at", zone), timestamp(rs, "finished_at", zone),
                            timestamp(rs, "created_at", zone), timestamp(rs, "updated_at", zone)));
                    stored.put(id, rs.getString("fingerprint"));
                }
            }
            return found;
        });
        if (task == null) {
            throw new NotFoundException("task", taskId);
        }
        Collection<Step> steps = byId.values();
        Map<Integer, ParsedSettings> parsed = new HashMap<>();
        Map<Integer, String> invalid = new HashMap<>();
        Map<Integer, List<Integer>> deps = new LinkedHashMap<>();
        for (Step s : steps) {
            ParsedSettings p;
            try {
                p = registry.parse(s.settings());
            } catch (InvalidSettingsException e) {
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
        return new Loaded(task, byId, parsed, invalid, graph, stored, this::storedInputs, recent, localPath(task), ignore);
    }

    /**
     * The inputs stored with each step of {@code loaded} (step id → the fingerprint the plan loaded), parsed. Read
     * after the load: a row whose fingerprint is no longer the loaded one (another engine submitted the step
     * meanwhile) is left out, since its inputs are not the ones the plan compared against.
     */
    private Map<Integer, Inputs> storedInputs(Map<Integer, String> loaded) {
        Map<Integer, Inputs> out = new HashMap<>();
        List<Integer> all = List.copyOf(loaded.keySet());
        for (int from = 0; from < all.size(); from += 10_000) { // well under PostgreSQL's 32,767 bind parameters
            dsl.select(STEPS.ID, STEPS.FINGERPRINT, STEPS.INPUTS).from(STEPS)
                    .where(STEPS.ID.in(all.subList(from, Math.min(all.size(), from + 10_000))))
                    .forEach(r -> {
                        if (Objects.equals(r.value2(), loaded.get(r.value1()))) {
                            out.put(r.value1(), Inputs.fromJson(Store.parse(r.value3())));
                        }
                    });
        }
        return out;
    }

    private Map<String, String> identifiers() {
        if (identifiers == null) {
            identifiers = ClaimStatements.Tables.of(dsl).identifiers();
        }
        return identifiers;
    }

    /**
     * A {@code timestamptz} column as the other readers of steps get it from jOOQ: at the offset of this JVM's time
     * zone (jOOQ reads the text the driver makes of it in that zone; the driver's own OffsetDateTime is in UTC).
     */
    private static OffsetDateTime timestamp(ResultSet rs, String column, ZoneRules zone) throws SQLException {
        OffsetDateTime utc = rs.getObject(column, OffsetDateTime.class);
        if (utc == null) {
            return null;
        }
        ZoneOffset offset = zone.getOffset(utc.toInstant());
        return offset.equals(utc.getOffset()) ? utc : utc.withOffsetSameInstant(offset);
    }

    static Path localPath(Task task) {
        return task.localPath() == null || task.localPath().isBlank()
                ? Paths.get("").toAbsolutePath()
                : Paths.get(task.localPath()).toAbsolutePath();
    }

    /** The plan, with the inputs and fingerprints of every step (step id → them). */
    record Decision(Plan plan, Map<Integer, Inputs> inputs, Map<Integer, String> fingerprints) {
    }

    /**
     * @param invalid the steps whose stored settings do not parse, with why
     * @param storedFingerprints the fingerprint each step's last successful run recorded
     * @param storedInputs reads the inputs recorded with them, for the steps whose fingerprint changed
     * @param recent the inputs large steps were last submitted with (the planner's, bounded)
     */
    record Loaded(Task task, Map<Integer, Step> steps, Map<Integer, ParsedSettings> parsed, Map<Integer, String> invalid,
                          StepGraph<Integer> graph, Map<Integer, String> storedFingerprints,
                          Function<Map<Integer, String>, Map<Integer, Inputs>> storedInputs, RecentInputs recent, Path localPath,
                          List<PathMatcher> ignore) {

        Decision plan(boolean force, WatchedFiles index) {
            List<Integer> order = graph.topologicalOrder();
            // All watched files of all steps are stat'ed, looked up and hashed together.
            Map<Integer, Map<String, Path>> watched = new HashMap<>();
            Set<Path> files = new HashSet<>();
            for (int id : order) {
                Map<String, Path> w = parsed.containsKey(id)
                        ? index.expand(localPath, parsed.get(id).watchedFiles(), parsed.get(id).allowsOutside(), ignore)
                        : Map.of();
                watched.put(id, w);
                w.values().stream().filter(Objects::nonNull).forEach(files::add);
            }
            Map<Path, String> hashes = index.hash(files);
            Map<Integer, Inputs> inputs = new HashMap<>();
            Map<Integer, String> fingerprints = new HashMap<>();
            Map<Integer, PlannedStep> planned = new HashMap<>();
            Map<Integer, String> changedDetail = new HashMap<>();
            for (int id : order) {
                Step step = steps.get(id);
                Map<String, String> fileHashes = new LinkedHashMap<>();
                watched.get(id).forEach((path, file) -> fileHashes.put(path, file == null ? FileHasher.MISSING : hashes.get(file)));
                Map<Integer, String> upstream = new HashMap<>();
                for (int dep : graph.directUpstreamOf(id)) {
                    upstream.put(dep, fingerprints.get(dep));
                }
                JsonNode document = parsed.containsKey(id) ? parsed.get(id).document() : step.settings();
                Inputs in = new Inputs(FileHasher.sha256(document.toString()), fileHashes, upstream);
                inputs.put(id, in);
                String fp = in.fingerprint();
                fingerprints.put(id, fp);
                planned.put(id, decide(step, in, fp, force, planned, changedDetail));
            }
            if (!changedDetail.isEmpty()) {
                // What changed, from the inputs stored with the last run, read for these steps only and in one go.
                Map<Integer, Inputs> before = new HashMap<>();
                Map<Integer, String> unknown = new HashMap<>();
                for (int id : changedDetail.keySet()) {
                    String stored = storedFingerprints.get(id);
                    Inputs kept = stored == null ? null : recent.get(id, stored);
                    if (kept != null) {
                        before.put(id, kept);
                    } else {
                        unknown.put(id, stored);
                    }
                }
                if (!unknown.isEmpty()) {
                    before.putAll(storedInputs.apply(unknown));
                }
                changedDetail.forEach((id, detail) -> {
                    Inputs last = before.get(id);
                    String why = last == null ? null : inputs.get(id).whatChangedSince(last);
                    planned.put(id, new PlannedStep(id, steps.get(id).title(), true, (why == null ? "inputs changed" : why) + detail));
                });
            }
            List<PlannedStep> ordered = steps.keySet().stream().map(planned::get).toList();
            return new Decision(new Plan(task.id(), task.name(), ordered), inputs, fingerprints);
        }

        /**
         * {@code decision} is submitted: the inputs its steps run with are kept for their next plans. A dry plan's
         * are not: nothing stores them, so they match no later plan that the submit's would not.
         */
        void submitted(Decision decision) {
            for (PlannedStep p : decision.plan().steps()) {
                if (p.willRun()) {
                    recent.put(p.stepId(), decision.fingerprints().get(p.stepId()), decision.inputs().get(p.stepId()));
                }
            }
        }

        /** {@code changed}: the steps whose fingerprint changed, with the detail of their reason (the rest is told later). */
        private PlannedStep decide(Step step, Inputs in, String fingerprint, boolean force, Map<Integer, PlannedStep> planned,
                                   Map<Integer, String> changed) {
            String title = step.title();
            if (invalid.containsKey(step.id())) {
                return new PlannedStep(step.id(), title, true, invalid.get(step.id()));
            }
            if (force) {
                return new PlannedStep(step.id(), title, true, "forced");
            }
            switch (step.status()) {
                case FAILED, SKIPPED, CANCELLED -> { return new PlannedStep(step.id(), title, true, step.status() + " last time"); }
                case ACTIVE -> { return new PlannedStep(step.id(), title, true, "running or interrupted"); }
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
            String last = storedFingerprints.get(step.id());
            if (last == null || !last.equals(fingerprint)) {
                String detail = parsed.get(step.id()).rerunDetail(step.results(), localPath, ignore).map(d -> ": " + d).orElse("");
                changed.put(step.id(), detail);
                return new PlannedStep(step.id(), title, true, "inputs changed" + detail);
            }
            var stale = parsed.get(step.id()).staleReason(step.results());
            if (stale.isPresent()) {
                return new PlannedStep(step.id(), title, true, stale.get());
            }
            return new PlannedStep(step.id(), title, false, "up to date");
        }
    }
}
