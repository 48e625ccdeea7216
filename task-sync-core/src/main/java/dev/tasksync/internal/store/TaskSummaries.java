package dev.tasksync.internal.store;

import dev.tasksync.Dependency;
import dev.tasksync.StepProgress;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskQuery;
import dev.tasksync.TaskSummary;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_DEPENDENCIES;
import static dev.tasksync.internal.store.jooq.Tables.TASKS;

/** Pages of tasks with their step counts: the page of tasks is chosen first (by the primary key), then counted. */
public final class TaskSummaries {
    private TaskSummaries() {
    }

    public static List<TaskSummary> page(DSLContext dsl, TaskQuery q) {
        Condition where = DSL.trueCondition();
        if (q.beforeId() != null) {
            where = where.and(TASKS.ID.lt(q.beforeId()));
        }
        if (q.status() != null) {
            where = where.and(TASKS.STATUS.eq(q.status().dbValue()));
        }
        if (q.search() != null) {
            String escaped = q.search().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
            where = where.and(TASKS.NAME.likeIgnoreCase("%" + escaped + "%", '\\'));
        }
        List<Task> tasks = dsl.selectFrom(TASKS).where(where).orderBy(TASKS.ID.desc()).limit(q.limit())
                .fetch(r -> new Task(r.getId(), r.getName(), r.getStatus(), r.getLocalPath(), r.getCreatedAt(), r.getUpdatedAt()));
        if (tasks.isEmpty()) {
            return List.of();
        }
        List<Integer> ids = tasks.stream().map(Task::id).toList();
        Map<Integer, Map<StepStatus, Integer>> counts = new HashMap<>();
        dsl.select(STEPS.TASK_ID, STEPS.STATUS, DSL.count()).from(STEPS).where(STEPS.TASK_ID.in(ids))
                .groupBy(STEPS.TASK_ID, STEPS.STATUS)
                .forEach(r -> counts.computeIfAbsent(r.value1(), k -> new EnumMap<>(StepStatus.class))
                        .put(StepStatus.fromDb(r.value2()), r.value3()));
        Map<Integer, Record> times = new HashMap<>();
        dsl.select(STEPS.TASK_ID, DSL.min(STEPS.STARTED_AT), DSL.max(STEPS.STARTED_AT), DSL.max(STEPS.FINISHED_AT))
                .from(STEPS).where(STEPS.TASK_ID.in(ids)).groupBy(STEPS.TASK_ID)
                .forEach(r -> times.put(r.value1(), r));
        List<TaskSummary> page = new ArrayList<>();
        for (Task t : tasks) {
            Record r = times.get(t.id());
            OffsetDateTime first = r == null ? null : r.get(1, OffsetDateTime.class);
            OffsetDateTime last = r == null ? null : r.get(2, OffsetDateTime.class);
            OffsetDateTime ended = r == null ? null : r.get(3, OffsetDateTime.class);
            Duration d = first == null || ended == null || ended.isBefore(first) ? Duration.ZERO : Duration.between(first, ended);
            page.add(new TaskSummary(t, counts.getOrDefault(t.id(), Map.of()), last, ended, d));
        }
        return page;
    }

    /** Each step's status, in id order: the few bytes a live page needs. */
    public static Map<Integer, StepStatus> statuses(DSLContext dsl, int taskId) {
        Map<Integer, StepStatus> all = new LinkedHashMap<>();
        dsl.select(STEPS.ID, STEPS.STATUS).from(STEPS).where(STEPS.TASK_ID.eq(taskId)).orderBy(STEPS.ID)
                .forEach(r -> all.put(r.value1(), StepStatus.fromDb(r.value2())));
        return all;
    }

    /** Each step's table columns, in id order, without parsing settings or results (a 10,000-step page, live views). */
    public static Map<Integer, StepProgress> progress(DSLContext dsl, int taskId) {
        Map<Integer, StepProgress> all = new LinkedHashMap<>();
        // The type is the settings' one top-level key.
        Field<String> type = DSL.field(DSL.select(DSL.function("jsonb_object_keys", String.class, STEPS.SETTINGS)).limit(1));
        dsl.select(STEPS.ID, STEPS.TITLE, type, STEPS.STATUS, STEPS.ATTEMPT, STEPS.STARTED_AT, STEPS.FINISHED_AT).from(STEPS)
                .where(STEPS.TASK_ID.eq(taskId)).orderBy(STEPS.ID)
                .forEach(r -> all.put(r.value1(), new StepProgress(r.value1(), r.value2(), r.value3() == null ? "" : r.value3(),
                        StepStatus.fromDb(r.value4()), r.value5(), r.value6(), r.value7())));
        return all;
    }

    /** The task's dependency rows as stored, explicit and implicit (without what an implicit one uses). */
    public static List<Dependency> storedDependencies(DSLContext dsl, int taskId) {
        return dsl.select(STEP_DEPENDENCIES.STEP_ID, STEP_DEPENDENCIES.DEPENDS_ON_ID, STEP_DEPENDENCIES.KIND)
                .from(STEP_DEPENDENCIES).join(STEPS).on(STEPS.ID.eq(STEP_DEPENDENCIES.STEP_ID))
                .where(STEPS.TASK_ID.eq(taskId))
                .fetch(r -> new Dependency(r.value1(), r.value2(), "implicit".equals(r.value3()), List.of()));
    }
}
