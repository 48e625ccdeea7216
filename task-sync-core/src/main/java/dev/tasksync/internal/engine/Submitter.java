package dev.tasksync.internal.engine;

import dev.tasksync.NotFoundException;
import dev.tasksync.Plan;
import dev.tasksync.Plan.PlannedStep;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.hashing.FileIndex;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.internal.sql.Params;
import dev.tasksync.internal.sql.SqlFile;
import dev.tasksync.internal.hashing.WatchedFiles;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * Makes a planned task's steps runnable: the steps that run become new with the fingerprints and inputs they
 * will run with, the others are marked up to date, and the workers are woken. When every step runs, it is one
 * statement, which an in-process run may send with its first claim.
 */
final class Submitter {
    private static final SqlFile SQL = SqlFile.load(Submitter.class, "submit.sql");
    private static final NamedQuery MAKE_RUNNABLE = SQL.query("makeRunnable");
    private static final NamedQuery MARK_UP_TO_DATE = SQL.query("markUpToDate");
    private static final NamedQuery ANALYZE = SQL.query("analyze");
    private static final NamedQuery STATISTICS_COVER = SQL.query("statisticsCover");

    static {
        // The status changes submit.sql makes: a submit makes the steps it plans new again, from any status but
        // active, and their task active.
        StatusTransitions.step(EnumSet.complementOf(EnumSet.of(StepStatus.ACTIVE)), StepStatus.NEW);
    }

    private final DSLContext dsl;
    private final String channel;
    private final Map<String, String> tables;

    Submitter(DSLContext dsl, String channel) {
        this.dsl = dsl;
        this.channel = channel;
        this.tables = ClaimStatements.Tables.of(dsl).identifiers();
    }

    /**
     * A submit's plan, and the statement that makes every step runnable when it was left for the run's
     * first claim to send (in the same round trip); null when the submit was made already.
     */
    record Submission(Plan plan, ResultQuery<Record> statement, Deferred onCommit) {
    }

    /**
     * What a submit leaves for after its commit: the planner keeps the inputs its steps run with, for their next
     * plans. Applied only once the submit committed, so that a submit rolled back (or never sent) leaves no inputs
     * kept that no row stores, and displaces none that one does.
     */
    record Deferred(Planner.Loaded loaded, Planner.Decision decision) {
        void apply() {
            loaded.submitted(decision);
        }
    }

    /**
     * {@code defer}: when every step runs, leave the one statement of the submit to the caller, who applies the
     * submission's {@link Deferred} once it committed.
     */
    Submission submit(Planner.Loaded loaded, boolean force, boolean defer) {
        return submit(loaded, force, defer, new FileIndex(dsl));
    }

    /** As {@link #submit(Planner.Loaded, boolean, boolean)}, the watched files listed and hashed by {@code files}. */
    Submission submit(Planner.Loaded loaded, boolean force, boolean defer, WatchedFiles files) {
        int taskId = loaded.task().id();
        Planner.Decision decision = loaded.plan(force, files);
        Deferred onCommit = new Deferred(loaded, decision);
        List<PlannedStep> toRun = decision.plan().steps().stream().filter(PlannedStep::willRun).toList();
        Integer[] upToDate = decision.plan().steps().stream().filter(p -> !p.willRun()).map(PlannedStep::stepId).toArray(Integer[]::new);
        if (upToDate.length == 0 && !toRun.isEmpty()) {
            // Everything runs (a forced run, a new task): one statement, committed by itself. A large
            // submit goes at once, so that the statistics are refreshed before the first claim is planned.
            ResultQuery<Record> statement = makeRunnable(dsl, taskId, toRun, decision, loaded);
            if (defer && toRun.size() < ANALYZE_THRESHOLD) {
                return new Submission(decision.plan(), statement, onCommit);
            }
            requireFound(statement.fetch(), taskId);
            onCommit.apply();
        } else {
            dsl.transaction(tx -> {
                DSLContext t = tx.dsl();
                Store.lockTask(t, taskId);
                if (!toRun.isEmpty()) {
                    requireFound(makeRunnable(t, taskId, toRun, decision, loaded).fetch(), taskId);
                }
                // Results say a step was up to date; rows that say so already are not written again,
                // so a run that changes nothing writes (almost) nothing.
                if (upToDate.length > 0) {
                    MARK_UP_TO_DATE.render(tables).bind(Params.of().set("ids", upToDate)).execute(t);
                }
                if (toRun.isEmpty()) {
                    TaskSettler.settle(t, taskId);
                }
            });
            onCommit.apply();
        }
        if (toRun.size() >= ANALYZE_THRESHOLD && statisticsCover() < toRun.size()) {
            analyze();
        }
        return new Submission(decision.plan(), null, null);
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
                                             Planner.Loaded loaded) {
        Map<Integer, Step> seen = loaded.steps();
        Integer[] ids = new Integer[toRun.size()];
        String[] fingerprints = new String[ids.length];
        String[] inputs = new String[ids.length];
        String[] statuses = new String[ids.length];
        Integer[] attempts = new Integer[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = toRun.get(i).stepId();
            fingerprints[i] = decision.fingerprints().get(ids[i]); // the plan's: not hashed again
            inputs[i] = decision.inputs().get(ids[i]).toJson().toString();
            Step step = seen.get(ids[i]);
            statuses[i] = step.status().dbValue();
            attempts[i] = step.attempt();
        }
        return MAKE_RUNNABLE.render(tables).bind(Params.of().set("task_id", taskId).set("ids", ids)
                .set("fingerprints", fingerprints).set("inputs", inputs).set("seen_statuses", statuses)
                .set("seen_attempts", attempts).set("channel", channel).set("payload", wakeUp(ids, loaded))).query(t);
    }

    /** At most this many ranges of step ids in a submit's wake-up (as in a worker's: claims.sql, wakeWorkers). */
    static final int WAKE_RANGES = 200;

    /**
     * The payload of the submit's wake-up, {@code "ID-ID,ID,… "}: the steps it makes runnable that wait
     * for none of the others it makes runnable (the task's roots this time; whether their other upstream steps are done
     * is each claim's to check), as ranges of ids, at most {@link #WAKE_RANGES}, and no sender (a worker's own wake-ups
     * end with its id). Workers claim those by id ({@code WorkerClaims#hint}) instead of scanning every task's new steps
     * from the lowest id: on a 2,000-step fan-out that first scan looked at all 1,999 steps waiting for the root
     * (11-74 ms). Empty (as before) when there are none.
     */
    static String wakeUp(Integer[] ids, Planner.Loaded loaded) {
        Set<Integer> submitted = new HashSet<>(List.of(ids));
        List<Integer> roots = new ArrayList<>();
        for (Integer id : ids) {
            if (!loaded.graph().steps().contains(id) || loaded.graph().directUpstreamOf(id).stream().noneMatch(submitted::contains)) {
                roots.add(id);
            }
        }
        return ranges(roots);
    }

    /** {@code ids} as {@code "lo-hi,id,… "} (sorted; at most {@link #WAKE_RANGES} ranges), or "" when there are none. */
    static String ranges(List<Integer> ids) {
        if (ids.isEmpty()) {
            return "";
        }
        List<Integer> sorted = new ArrayList<>(ids);
        Collections.sort(sorted);
        StringBuilder b = new StringBuilder();
        int ranges = 0;
        for (int i = 0; i < sorted.size() && ranges < WAKE_RANGES; ranges++) {
            int lo = sorted.get(i);
            int hi = lo;
            while (i + 1 < sorted.size() && sorted.get(i + 1) <= hi + 1) {
                hi = sorted.get(++i);
            }
            i++;
            b.append(b.isEmpty() ? "" : ",").append(lo);
            if (hi != lo) {
                b.append('-').append(hi);
            }
        }
        return b.append(' ').toString();
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
        ANALYZE.render(tables).bind(Params.of()).execute(dsl);
    }

    /**
     * How many rows of {@code steps} the planner's statistics know of ({@code pg_class.reltuples}; -1
     * before the first ANALYZE). Fewer than a task just submitted means its rows are not in them.
     */
    private long statisticsCover() {
        Float rows = STATISTICS_COVER.render(tables).bind(Params.of().set("table", tables.get("steps")))
                .query(dsl).fetchOne(0, Float.class);
        return rows == null ? -1 : rows.longValue();
    }
}
