package dev.tasksync.internal.engine;

import dev.tasksync.NotFoundException;
import dev.tasksync.Plan;
import dev.tasksync.Plan.PlannedStep;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskStatus;
import dev.tasksync.internal.hashing.FileIndex;
import dev.tasksync.internal.hashing.WatchedFiles;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_DEPENDENCIES;
import static dev.tasksync.internal.store.jooq.Tables.TASKS;
import static org.jooq.impl.DSL.field;

/**
 * Makes a planned task's steps runnable: the steps that run become new with the fingerprints and inputs they
 * will run with, the others are marked up to date, and the workers are woken. When every step runs, it is one
 * statement, which an in-process run may send with its first claim.
 */
final class Submitter {
    private final DSLContext dsl;
    private final String channel;

    Submitter(DSLContext dsl, String channel) {
        this.dsl = dsl;
        this.channel = channel;
    }

    /**
     * A submit's plan, and the statement that makes every step runnable when it was left for the run's
     * first claim to send (in the same round trip); null when the submit was made already.
     */
    record Submission(Plan plan, ResultQuery<Record> statement) {
    }

    /** {@code defer}: when every step runs, leave the one statement of the submit to the caller. */
    Submission submit(Planner.Loaded loaded, boolean force, boolean defer) {
        return submit(loaded, force, defer, new FileIndex(dsl));
    }

    /** As {@link #submit(Planner.Loaded, boolean, boolean)}, the watched files listed and hashed by {@code files}. */
    Submission submit(Planner.Loaded loaded, boolean force, boolean defer, WatchedFiles files) {
        int taskId = loaded.task().id();
        Planner.Decision decision = loaded.plan(force, files);
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
                            .where(STEPS.ID.in(Arrays.asList(upToDate).subList(from, Math.min(upToDate.length, from + 10_000))))
                            .and(field("coalesce({0} -> 'up_to_date', 'false'::jsonb) <> 'true'::jsonb", Boolean.class, STEPS.RESULTS))
                            .execute();
                }
                if (toRun.isEmpty()) {
                    TaskSettler.settle(t, taskId);
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
    private ResultQuery<Record> makeRunnable(DSLContext t, int taskId, List<PlannedStep> toRun, Planner.Decision decision,
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
            throw new NotFoundException("task", taskId);
        }
    }

    /** Steps submitted at once from which the tables' planner statistics are refreshed first. */
    static final int ANALYZE_THRESHOLD = 1_000;

    /**
     * Refreshes the planner's statistics of the tables claims read. Without them (a large task saved
     * a moment ago, before autovacuum came by) the claim query scans every dependency per candidate.
     */
    private void analyze() {
        for (var table : List.of(STEPS, STEP_DEPENDENCIES)) {
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

    /** A submit makes the steps it plans new again, from any status but active (see {@link StatusTransitions}). */
    private static final String SUBMITTED = StatusTransitions.step(
            EnumSet.complementOf(EnumSet.of(StepStatus.ACTIVE)), StepStatus.NEW);

}
