package dev.tasksync.internal.engine;

import dev.tasksync.StepStatus;
import dev.tasksync.TaskStatus;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.TASKS;
import static org.jooq.impl.DSL.currentOffsetDateTime;

/**
 * The one place a task's status is derived from its steps' and set. Every way of settling is one
 * statement built from {@link #settleSql}: active while a step runs or some wait beside finished ones;
 * failed when one failed or was skipped; cancelled when one was cancelled; completed when all completed;
 * new otherwise. "If done" variants change nothing while a step is new or active.
 *
 * <p>Who settles when: a submit with nothing to run ({@link #settle}); a worker after each outcome that
 * left nothing of the task claimed, under the task's lock ({@link #settleIfDone(DSLContext, int)}); an
 * in-process run with its last outcome ({@link #ifDoneQuery}), or when its loop ends ({@link #settleIfDone(int)},
 * else {@link #finish}); idle workers as a backstop ({@link #settleFinishedTasks}).
 */
final class TaskSettler {
    private final DSLContext dsl;

    TaskSettler(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** A step's row as a run's result reports it. */
    record StoredStep(int id, String title, String status, JSONB results, OffsetDateTime startedAt,
                      OffsetDateTime finishedAt) {
    }

    /** An in-process run's task, settled: its final status, and its steps as that statement saw them. */
    record Settled(String status, List<StoredStep> steps) {
    }

    /** Sets the task's status from its steps' and returns it (whether or not some step is unfinished). */
    static String settle(DSLContext t, int taskId) {
        return status(t, taskId, false);
    }

    /**
     * Sets the task's final status once no step is new or active. The last two steps of a task may
     * finish at once and each see the other still active; locking the task row after updating the
     * step makes the later one see the earlier one's commit.
     */
    static void settleIfDone(DSLContext t, int taskId) {
        Store.lockTask(t, taskId);
        status(t, taskId, true);
    }

    private static String status(DSLContext t, int taskId, boolean onlyIfDone) {
        // A data-modifying WITH must be the top level: a result query, not a field.
        return t.resultQuery(onlyIfDone ? SETTLE_STATUS_IF_DONE : SETTLE_STATUS, STEPS, DSL.val(taskId), TASKS)
                .fetchOne(0, String.class);
    }

    /**
     * Settles the task's status when none of its steps is new or active and returns it with the steps'
     * rows, in one statement; null when some step still is new or active. No lock is needed: with
     * nothing left to run, no one changes the steps' statuses.
     */
    Settled settleIfDone(int taskId) {
        return read(ifDoneQuery(taskId).fetch());
    }

    /** The statement of {@link #settleIfDone(int)}, for a caller that sends it together with another. */
    ResultQuery<Record> ifDoneQuery(int taskId) {
        return dsl.resultQuery(SETTLE_QUERY, STEPS, DSL.val(taskId), TASKS);
    }

    /** What {@link #ifDoneQuery} answered: the settled task, or null when some step still is new or active. */
    static Settled read(Result<Record> rows) {
        if (rows.isEmpty() || Boolean.TRUE.equals(rows.get(0).get("unfinished", Boolean.class))) {
            return null;
        }
        List<StoredStep> steps = new ArrayList<>(rows.size());
        for (var r : rows) {
            Integer id = r.get("id", Integer.class);
            if (id != null) {
                String json = r.get("results", String.class);
                steps.add(new StoredStep(id, r.get("title", String.class), r.get("step_status", String.class),
                        json == null ? null : JSONB.valueOf(json),
                        r.get("started_at", OffsetDateTime.class), r.get("finished_at", OffsetDateTime.class)));
            }
        }
        return new Settled(rows.get(0).get("status", String.class), steps);
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
            return settle(t, taskId);
        });
    }

    /**
     * Settles the active tasks none of whose steps is new or active: a backstop for a task whose last
     * outcome's transaction did not settle it (workers call it when idle). The tasks are locked first,
     * skipping those someone holds, and each status is computed after the lock, so a submit that made
     * steps runnable meanwhile is never overwritten. Returns how many tasks it settled.
     */
    int settleFinishedTasks() {
        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            List<Integer> ids = t.select(TASKS.ID).from(TASKS).where(TASKS.STATUS.eq(TaskStatus.ACTIVE.dbValue()))
                    .andNotExists(DSL.selectOne().from(STEPS).where(STEPS.TASK_ID.eq(TASKS.ID))
                            .and(STEPS.STATUS.in(StepStatus.NEW.dbValue(), StepStatus.ACTIVE.dbValue())))
                    .forUpdate().skipLocked().fetch(TASKS.ID);
            int settled = 0;
            for (int id : ids) {
                if (!TaskStatus.ACTIVE.dbValue().equals(status(t, id, true))) {
                    settled++;
                }
            }
            return settled;
        });
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
}
