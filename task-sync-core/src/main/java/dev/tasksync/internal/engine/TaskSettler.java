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
import dev.tasksync.internal.sql.Bound;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.internal.sql.Params;
import dev.tasksync.internal.sql.SqlFile;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.TASKS;
import static org.jooq.impl.DSL.currentOffsetDateTime;

/**
 * The one place a task's status is derived from its steps' and set. Every way of settling is one
 * statement of {@code settle.sql} (its CTEs {@code settled}): active while a step runs or some wait beside finished ones;
 * failed when one failed or was skipped; cancelled when one was cancelled; completed when all completed;
 * new otherwise. "If done" variants change nothing while a step is new or active.
 *
 * <p>Who settles when: a submit with nothing to run ({@link #settle}); a worker after a batch of outcomes
 * that left nothing of the task held by it, when {@link #mayBeDone} says so, under the task's lock
 * ({@link #settleIfDone(DSLContext, int)}); an
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

    /**
     * Of {@code taskIds}, those none of whose steps is new or active, in one statement ({@code mayBeDone}): a worker
     * asks once per recorded batch, and locks and settles ({@link #settleIfDone(DSLContext, int)}) only these.
     */
    static List<Integer> mayBeDone(DSLContext t, Collection<Integer> taskIds) {
        return MAY_BE_DONE.render(Map.of("steps", t.render(STEPS)), Set.of())
                .bind(Params.of().set("task_ids", taskIds.toArray(Integer[]::new))).query(t).fetch(0, Integer.class);
    }

    private static String status(DSLContext t, int taskId, boolean onlyIfDone) {
        // A data-modifying WITH must be the top level: a result query, not a field.
        return query(t, SETTLE_STATUS, taskId, onlyIfDone).fetchOne(0, String.class);
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
        return query(dsl, SETTLE_AND_READ, taskId, true);
    }

    private static ResultQuery<Record> query(DSLContext t, NamedQuery query, int taskId, boolean onlyIfDone) {
        Map<String, String> tables = Map.of("steps", t.render(STEPS), "tasks", t.render(TASKS));
        Bound sql = query.render(tables, onlyIfDone ? Set.of("if_done") : Set.of()).bind(Params.of().set("task_id", taskId));
        return t.resultQuery(sql.text(), sql.values());
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

    private static final SqlFile SQL = SqlFile.load(TaskSettler.class, "settle.sql");
    private static final NamedQuery SETTLE_STATUS = SQL.query("settleStatus");
    private static final NamedQuery SETTLE_AND_READ = SQL.query("settleAndRead");
    private static final NamedQuery MAY_BE_DONE = SQL.query("mayBeDone");
}
