package dev.tasksync.internal.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.DatabaseException;
import dev.tasksync.DuplicateTaskException;
import dev.tasksync.TaskStatus;
import dev.tasksync.NotFoundException;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSyncException;
import dev.tasksync.internal.types.SettingsJson;
import dev.tasksync.internal.store.jooq.tables.records.StepsRecord;
import dev.tasksync.internal.store.jooq.tables.records.TasksRecord;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_DEPENDENCIES;
import static dev.tasksync.internal.store.jooq.Tables.TASKS;
import static dev.tasksync.internal.store.jooq.Tables.TASK_RUNS_ON;

/** Reads and writes tasks and steps through jOOQ. Every method takes the DSLContext of its transaction. */
public final class Store {
    /** Reads with the constraints settings are written with (see {@link SettingsJson}). */
    public static final ObjectMapper JSON = SettingsJson.READ;

    /** SQLSTATE of a unique index refusing a row (another saver took the name meanwhile). */
    private static final String UNIQUE_VIOLATION = "23505";

    private Store() {
    }

    // ---- tasks

    public static Task insertTask(DSLContext dsl, String name, String status, String localPath) {
        if (dsl.fetchExists(TASKS, TASKS.NAME.eq(name))) {
            throw new DuplicateTaskException(name);
        }
        try {
            TasksRecord r = dsl.insertInto(TASKS)
                    .set(TASKS.NAME, name)
                    .set(TASKS.STATUS, status == null ? TaskStatus.NEW.dbValue() : status)
                    .set(TASKS.LOCAL_PATH, localPath)
                    .returning()
                    .fetchOne();
            return toTask(r);
        } catch (DatabaseException e) {
            if (!UNIQUE_VIOLATION.equals(e.sqlState())) {
                throw e;
            }
            throw new DuplicateTaskException(name);
        }
    }

    /** The task's default runs_on (across16): a JSON array of labels in task_runs_on; null removes it. */
    public static void setTaskRunsOn(DSLContext dsl, int id, List<String> labels) {
        if (labels == null) {
            dsl.deleteFrom(TASK_RUNS_ON).where(TASK_RUNS_ON.TASK_ID.eq(id)).execute();
            return;
        }
        var array = JSON.createArrayNode();
        labels.forEach(array::add);
        JSONB value = JSONB.valueOf(array.toString());
        dsl.insertInto(TASK_RUNS_ON).set(TASK_RUNS_ON.TASK_ID, id).set(TASK_RUNS_ON.RUNS_ON, value)
                .onConflict(TASK_RUNS_ON.TASK_ID).doUpdate().set(TASK_RUNS_ON.RUNS_ON, value).execute();
    }

    public static List<String> taskRunsOn(DSLContext dsl, int id) {
        Task task = task(dsl, id); // not found is said as for any task
        JSONB value = dsl.select(TASK_RUNS_ON.RUNS_ON).from(TASK_RUNS_ON).where(TASK_RUNS_ON.TASK_ID.eq(task.id())).fetchOne(TASK_RUNS_ON.RUNS_ON);
        List<String> labels = new ArrayList<>();
        if (value != null) {
            parse(value).forEach(n -> labels.add(n.asText()));
        }
        return labels;
    }

    public static Task updateTask(DSLContext dsl, int id, String status, String localPath) {
        TasksRecord r = dsl.update(TASKS)
                .set(TASKS.STATUS, status)
                .set(TASKS.LOCAL_PATH, localPath)
                .where(TASKS.ID.eq(id))
                .returning()
                .fetchOne();
        return toTask(found(r, "task", id));
    }

    public static Task task(DSLContext dsl, int id) {
        return toTask(found(dsl.selectFrom(TASKS).where(TASKS.ID.eq(id)).fetchOne(), "task", id));
    }

    public static Optional<Task> taskByName(DSLContext dsl, String name) {
        return Optional.ofNullable(dsl.selectFrom(TASKS).where(TASKS.NAME.eq(name)).fetchOne()).map(Store::toTask);
    }

    /** Locks the task row so that concurrent writers of its steps go one after another. */
    public static Task lockTask(DSLContext dsl, int id) {
        return toTask(found(dsl.selectFrom(TASKS).where(TASKS.ID.eq(id)).forUpdate().fetchOne(), "task", id));
    }

    public static List<Task> tasks(DSLContext dsl) {
        return dsl.selectFrom(TASKS).orderBy(TASKS.ID).fetch(Store::toTask);
    }

    public static void deleteTask(DSLContext dsl, int id) {
        if (dsl.deleteFrom(TASKS).where(TASKS.ID.eq(id)).execute() == 0) {
            throw new NotFoundException("task", id);
        }
    }

    // ---- steps

    public static Step insertStep(DSLContext dsl, int taskId, String title, JsonNode settings, List<Integer> dependsOn) {
        StepsRecord r = dsl.insertInto(STEPS)
                .set(STEPS.TASK_ID, taskId)
                .set(STEPS.TITLE, title)
                .set(STEPS.STATUS, StepStatus.NEW.dbValue())
                .set(STEPS.SETTINGS, jsonb(settings))
                .returning()
                .fetchOne();
        replaceDependencies(dsl, r.getId(), dependsOn);
        return toStep(r);
    }

    /** Replaces a step's title and settings; the next run sees the change through its fingerprint. */
    public static Step updateStep(DSLContext dsl, int id, String title, JsonNode settings, List<Integer> dependsOn) {
        StepsRecord r = dsl.update(STEPS)
                .set(STEPS.TITLE, title)
                .set(STEPS.SETTINGS, jsonb(settings))
                .where(STEPS.ID.eq(id))
                .returning()
                .fetchOne();
        found(r, "step", id);
        replaceDependencies(dsl, id, dependsOn);
        return toStep(r);
    }

    public static Step resetStep(DSLContext dsl, int id) {
        StepsRecord r = dsl.update(STEPS)
                .set(STEPS.STATUS, StepStatus.NEW.dbValue())
                .setNull(STEPS.FINGERPRINT)
                // Not claimable until a run or submit plans it again (as a new step): a worker that took it at
                // once would execute it with the inputs of its last run and record no fingerprint.
                .setNull(STEPS.INPUTS)
                .where(STEPS.ID.eq(id))
                .returning()
                .fetchOne();
        return toStep(found(r, "step", id));
    }

    public static void deleteStep(DSLContext dsl, int id) {
        Step step = step(dsl, id);
        // What only waited for this step implicitly (it made their image) no longer does; the caller derives again.
        dsl.deleteFrom(STEP_DEPENDENCIES).where(STEP_DEPENDENCIES.DEPENDS_ON_ID.eq(id))
                .and(STEP_DEPENDENCIES.KIND.eq(IMPLICIT)).execute();
        List<String> dependents = dsl.select(STEPS.ID, STEPS.TITLE).from(STEP_DEPENDENCIES)
                .join(STEPS).on(STEPS.ID.eq(STEP_DEPENDENCIES.STEP_ID))
                .where(STEP_DEPENDENCIES.DEPENDS_ON_ID.eq(id))
                .fetch(r -> r.value1() + " '" + r.value2() + "'");
        if (!dependents.isEmpty()) {
            throw new TaskSyncException("step " + id + " '" + step.title() + "' cannot be deleted: steps "
                    + String.join(", ", dependents) + " depend on it; delete or edit them first");
        }
        dsl.deleteFrom(STEPS).where(STEPS.ID.eq(id)).execute();
    }

    public static void replaceDependencies(DSLContext dsl, int stepId, List<Integer> dependsOn) {
        dsl.deleteFrom(STEP_DEPENDENCIES).where(STEP_DEPENDENCIES.STEP_ID.eq(stepId)).execute();
        if (!dependsOn.isEmpty()) {
            var insert = dsl.insertInto(STEP_DEPENDENCIES, STEP_DEPENDENCIES.STEP_ID, STEP_DEPENDENCIES.DEPENDS_ON_ID);
            for (int dep : dependsOn) {
                insert = insert.values(stepId, dep);
            }
            insert.execute();
        }
    }

    /** {@code step_dependencies.kind} of an edge derived from what steps make and use, not from depends_on. */
    public static final String IMPLICIT = "implicit";

    /** The implicit edges stored for a task's steps, as {@code {step id, depends-on id}} pairs. */
    public static Set<List<Integer>> implicitDependencies(DSLContext dsl, int taskId) {
        Set<List<Integer>> edges = new HashSet<>();
        dsl.select(STEP_DEPENDENCIES.STEP_ID, STEP_DEPENDENCIES.DEPENDS_ON_ID).from(STEP_DEPENDENCIES)
                .join(STEPS).on(STEPS.ID.eq(STEP_DEPENDENCIES.STEP_ID))
                .where(STEPS.TASK_ID.eq(taskId)).and(STEP_DEPENDENCIES.KIND.eq(IMPLICIT))
                .forEach(r -> edges.add(List.of(r.value1(), r.value2())));
        return edges;
    }

    /**
     * Makes the task's stored implicit edges exactly {@code edges} ({@code {step id, depends-on id}} pairs, none of
     * them explicit), writing only the difference. Explicit rows of the same steps are left as they are.
     */
    public static void replaceImplicitDependencies(DSLContext dsl, int taskId, Set<List<Integer>> edges) {
        Set<List<Integer>> stored = implicitDependencies(dsl, taskId);
        for (List<Integer> gone : stored) {
            if (!edges.contains(gone)) {
                dsl.deleteFrom(STEP_DEPENDENCIES).where(STEP_DEPENDENCIES.STEP_ID.eq(gone.get(0)))
                        .and(STEP_DEPENDENCIES.DEPENDS_ON_ID.eq(gone.get(1))).and(STEP_DEPENDENCIES.KIND.eq(IMPLICIT)).execute();
            }
        }
        var insert = dsl.insertInto(STEP_DEPENDENCIES, STEP_DEPENDENCIES.STEP_ID, STEP_DEPENDENCIES.DEPENDS_ON_ID, STEP_DEPENDENCIES.KIND);
        boolean any = false;
        for (List<Integer> edge : edges) {
            if (!stored.contains(edge)) {
                insert = insert.values(edge.get(0), edge.get(1), IMPLICIT);
                any = true;
            }
        }
        if (any) {
            insert.execute();
        }
    }

    public static Step step(DSLContext dsl, int id) {
        return toStep(stepRecord(dsl, id));
    }

    static StepsRecord stepRecord(DSLContext dsl, int id) {
        return found(dsl.selectFrom(STEPS).where(STEPS.ID.eq(id)).fetchOne(), "step", id);
    }

    /** {@code row}, the one with {@code id}, or NotFoundException when there is none. */
    private static <R> R found(R row, String what, int id) {
        if (row == null) {
            throw new NotFoundException(what, id);
        }
        return row;
    }

    /** The steps with these ids (those that exist), in id order, in one query. */
    public static List<Step> steps(DSLContext dsl, Collection<Integer> ids) {
        return dsl.selectFrom(STEPS).where(STEPS.ID.eq(DSL.any(ids.toArray(Integer[]::new))))
                .orderBy(STEPS.ID).fetch(Store::toStep);
    }

    public static List<Step> steps(DSLContext dsl, int taskId) {
        return dsl.selectFrom(STEPS).where(STEPS.TASK_ID.eq(taskId)).orderBy(STEPS.ID).fetch(Store::toStep);
    }

    public static List<Step> allSteps(DSLContext dsl) {
        return dsl.selectFrom(STEPS).orderBy(STEPS.ID).fetch(Store::toStep);
    }

    // ---- mapping

    public static Task toTask(TasksRecord r) {
        return new Task(r.getId(), r.getName(), r.getStatus(), r.getLocalPath(), r.getCreatedAt(), r.getUpdatedAt());
    }

    public static Step toStep(StepsRecord r) {
        return toStep(r.getId(), r.getTaskId(), r.getTitle(), r.getStatus(), r.getSettings() == null ? null : r.getSettings().data(),
                r.getResults() == null ? null : r.getResults().data(), r.getAttempt(), r.getStartedAt(), r.getFinishedAt(),
                r.getCreatedAt(), r.getUpdatedAt());
    }

    /** A step from its stored columns, its settings and results as the JSON text stored ({@link #parse(String)}). */
    public static Step toStep(int id, int taskId, String title, String status, String settingsText, String resultsText, int attempt,
                              OffsetDateTime startedAt, OffsetDateTime finishedAt, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
        JsonNode settings = parse(settingsText);
        String type = settings.isObject() && settings.size() > 0 ? settings.fieldNames().next() : "";
        return new Step(id, taskId, title, StepStatus.fromDb(status), type, settings, parse(resultsText), dependsOn(settings),
                attempt, startedAt, finishedAt, createdAt, updatedAt);
    }

    /** The ids in a stored settings document's depends_on. */
    public static List<Integer> dependsOn(JsonNode settings) {
        List<Integer> ids = new ArrayList<>();
        if (settings.isObject() && settings.size() == 1) {
            JsonNode deps = settings.elements().next().path("depends_on");
            deps.forEach(d -> ids.add(d.path("id").asInt()));
        }
        return ids;
    }

    public static JSONB jsonb(JsonNode node) {
        return node == null ? null : JSONB.valueOf(text(node));
    }

    /**
     * A document as the text to store: {@code {}} for an empty object (most outcomes' results) without a JSON
     * generator, else {@link JsonNode#toString()}.
     */
    public static String text(JsonNode node) {
        return node.isObject() && node.isEmpty() ? EMPTY_OBJECT : node.toString();
    }

    private static final String EMPTY_OBJECT = "{}";

    public static JsonNode parse(JSONB jsonb) {
        return jsonb == null ? null : parse(jsonb.data());
    }

    /**
     * Reads stored JSON text. {@code {}} (the results of a step never run, most outcomes' results) is not given to the
     * parser: it is a new empty object, as the parser would return, since callers may change what they get or hand it
     * out (a {@code StepResult}'s results).
     */
    public static JsonNode parse(String text) {
        if (text == null) {
            return null;
        }
        if (text.equals(EMPTY_OBJECT)) {
            return JSON.getNodeFactory().objectNode();
        }
        try {
            return SettingsJson.readStored(text);
        } catch (JsonProcessingException e) {
            throw new TaskSyncException("stored JSON is unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
