package dev.tasksync.internal.engine;

import dev.tasksync.AttemptOutcome;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.metrics.EngineMetrics;
import dev.tasksync.internal.store.Database;
import dev.tasksync.internal.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.jooq.Query;

import static dev.tasksync.internal.store.jooq.Tables.LEASE_OWNERS;
import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_DEPENDENCIES;
import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;
import static dev.tasksync.internal.store.jooq.Tables.TASKS;
import static dev.tasksync.internal.store.jooq.Tables.TASK_RUNS_ON;
import static dev.tasksync.internal.store.jooq.Tables.WORKERS;
import static dev.tasksync.internal.store.jooq.Tables.WORKER_PATHS;

/**
 * The statements that hand steps to workers. Claiming and recording an outcome are one statement
 * each (data-modifying CTEs), and an outcome's statement also claims the steps it released: a step
 * of a chain costs one round trip to finish that starts the next one too.
 *
 * <p>Claims lock their rows first ({@code FOR UPDATE SKIP LOCKED} in a materialized CTE) and update
 * by id: a locking subquery inside the UPDATE's own WHERE may be re-evaluated when a row changes
 * under it, and claim more rows than it locked.
 */
final class ClaimStatements {
    private static final String NEW = StepStatus.NEW.dbValue();
    private static final String ACTIVE = StepStatus.ACTIVE.dbValue();
    private static final String COMPLETED = StepStatus.COMPLETED.dbValue();
    /** What a claim sets: a new step, or an active one whose lease was lost, becomes active. */
    private static final String CLAIMED = StatusTransitions.step(EnumSet.of(StepStatus.NEW, StepStatus.ACTIVE), StepStatus.ACTIVE);
    private static final String RECORDED_COMPLETED = StatusTransitions.step(StepStatus.ACTIVE, StepStatus.COMPLETED);
    private static final String RUN_COMPLETED = AttemptOutcome.COMPLETED.dbValue();
    private static final String RUN_ABANDONED = AttemptOutcome.ABANDONED.dbValue();

    private final String workerId;
    private final long leaseMillis;
    private final String steps;
    private final String stepRuns;
    private final String dependencies;
    private final String leaseOwners;
    private final EngineMetrics metrics;
    // across16: a worker's labels and facts (null for in-process runs, which claim wherever they are)
    private final Placement placement;
    private final String tasks; // the task_runs_on table
    private final String taskTable; // acr16: tasks and worker_paths, for the local_path condition
    private final String workerPaths;

    ClaimStatements(Tables tables, String workerId, Duration lease, EngineMetrics metrics, Placement placement) {
        this.metrics = metrics;
        this.placement = placement;
        this.tasks = tables.taskRunsOn();
        this.taskTable = tables.tasks();
        this.workerPaths = tables.workerPaths();
        this.workerId = workerId;
        this.leaseMillis = lease.toMillis();
        this.steps = tables.steps();
        this.stepRuns = tables.stepRuns();
        this.dependencies = tables.dependencies();
        this.leaseOwners = tables.leaseOwners();
    }

    /**
     * The tables' names as rendered for the configured schema, once per engine: these statements run
     * per step, and go to JDBC as plain text so that the driver prepares each shape once per connection.
     */
    record Tables(String steps, String stepRuns, String dependencies, String leaseOwners, String taskRunsOn, String workers,
                  String tasks, String workerPaths) {
        static Tables of(DSLContext dsl) {
            return new Tables(dsl.render(STEPS), dsl.render(STEP_RUNS), dsl.render(STEP_DEPENDENCIES), dsl.render(LEASE_OWNERS),
                    dsl.render(TASK_RUNS_ON), dsl.render(WORKERS), dsl.render(TASKS), dsl.render(WORKER_PATHS)); // acr16: tasks, worker_paths
        }
    }

    /** Which steps a claim looks at. */
    record Scope(Integer taskId, Integer[] candidates) {
        /** Every claimable step of every task (workers). */
        static Scope anyTask() {
            return new Scope(null, null);
        }

        static Scope task(int taskId) {
            return new Scope(taskId, null);
        }

        /** Only these steps, known to have been released (their runnability is still checked). */
        static Scope only(Collection<Integer> ids) {
            return new Scope(null, ids.toArray(Integer[]::new));
        }
    }

    /**
     * An outcome to record, fenced by the attempt and owner it was claimed with. {@code startedLateMicros}:
     * how long the step waited between its claim (which set {@code started_at}) and its start, when it was
     * claimed ahead of a free slot; its start time moves forward by as much.
     */
    record Outcome(int stepId, int taskId, int attempt, StepStatus status, AttemptOutcome runOutcome,
                   ObjectNode results, String error, String logTail,
                   Long retryAfterMillis, boolean clearFingerprint, long startedLateMicros) {
    }

    /**
     * What recording an outcome did: whether it counted (the lease still held), what it claimed, and the
     * rows of the statement sent after it ({@code then}), if one was.
     */
    record Recorded(boolean recorded, List<Claim> claims, Result<Record> then) {
    }

    /**
     * Claims up to {@code limit} runnable steps in {@code scope}; after {@code before}, if given (its rows
     * go to {@code beforeRows}), sent in the same round trip and transaction: the claim sees what it wrote.
     */
    List<Claim> claim(DSLContext t, Scope scope, int limit, long leaseFrom, ResultQuery<Record> before,
                                 Consumer<Result<Record>> beforeRows) {
        Sql sql = new Sql();
        if (before != null) {
            sql.add(before).add("; ");
        }
        sql.add("WITH ");
        lockAndClaim(sql, scope, limit, null);
        sql.add(" SELECT id, task_id, attempt, settings::text AS settings, inputs::text AS inputs, results::text AS results, old_owner"
                + " FROM claimed ORDER BY id");
        return Database.onConnection(t, c -> {
            List<Claim> claims = new ArrayList<>();
            try (PreparedStatement ps = sql.prepare(c)) {
                ps.execute();
                if (before != null) {
                    try (ResultSet rs = ps.getResultSet()) {
                        beforeRows.accept(t.fetch(rs));
                    }
                    ps.getMoreResults();
                }
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        claims.add(claimOf(rs, leaseFrom, metrics));
                    }
                }
            }
            return claims;
        });
    }

    /**
     * Records an outcome; when it counts and {@code next} is given, claims up to {@code limit} of
     * those steps in the same statement (the recorded step counts as completed for them).
     */
    Recorded record(DSLContext t, Outcome o, Scope next, int limit, long leaseFrom) {
        return record(t, o, next, limit, leaseFrom, null);
    }

    /**
     * As above, and runs {@code then} right after, in the same round trip and transaction (it sees what
     * this recorded).
     */
    Recorded record(DSLContext t, Outcome o, Scope next, int limit, long leaseFrom, ResultQuery<Record> then) {
        Sql sql = new Sql();
        sql.add("WITH done AS (UPDATE " + steps + " SET status = ").p(o.status().dbValue())
                .add(", results = ?::jsonb", o.results().toString())
                .add(", started_at = started_at + ? * interval '1 microsecond'", o.startedLateMicros())
                .add(", finished_at = now(), lease_owner = NULL, lease_expires_at = NULL, cancel_requested = false");
        if (o.retryAfterMillis() != null) {
            sql.add(", run_after = now() + ? * interval '1 millisecond'", o.retryAfterMillis());
        }
        if (o.clearFingerprint()) {
            sql.add(", fingerprint = NULL");
        }
        sql.add(" WHERE id = ?", o.stepId()).add(" AND attempt = ?", o.attempt()).add(" AND lease_owner = ?", workerId)
                .add(" AND status = '" + ACTIVE + "' RETURNING id), ");
        sql.add("run AS (UPDATE " + stepRuns + " SET finished_at = now()")
                .add(", started_at = started_at + ? * interval '1 microsecond'", o.startedLateMicros())
                .add(", outcome = CASE WHEN EXISTS (SELECT 1 FROM done) THEN ? ELSE '" + RUN_ABANDONED + "' END", o.runOutcome().dbValue())
                .add(", error = CASE WHEN EXISTS (SELECT 1 FROM done) THEN ? ELSE 'lease lost before the outcome was recorded' END", o.error())
                .add(", log_tail = ?", o.logTail())
                .add(" WHERE step_id = ?", o.stepId()).add(" AND attempt = ?", o.attempt()).add(" AND finished_at IS NULL)");
        boolean claiming = next != null && limit > 0;
        if (claiming) {
            sql.add(", ");
            lockAndClaim(sql, next, limit, o.stepId());
        }
        sql.add(" SELECT d.recorded");
        if (claiming) {
            sql.add(", c.id, c.task_id, c.attempt, c.settings::text AS settings, c.inputs::text AS inputs, c.results::text AS results, c.old_owner");
        }
        sql.add(" FROM (SELECT (SELECT count(*) FROM done) AS recorded) d");
        if (claiming) {
            sql.add(" LEFT JOIN claimed c ON true ORDER BY c.id");
        }
        if (then != null) {
            // pgjdbc sends both statements before one Sync: one round trip, one implicit transaction.
            sql.add("; ").add(then);
        }
        return Database.onConnection(t, c -> {
            try (PreparedStatement ps = sql.prepare(c)) {
                ps.execute();
                List<Claim> claims = new ArrayList<>();
                boolean recorded = false;
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        recorded = rs.getLong("recorded") > 0;
                        if (claiming && rs.getObject("id") != null) {
                            claims.add(claimOf(rs, leaseFrom, metrics));
                        }
                    }
                }
                Result<Record> thenRows = null;
                if (then != null && ps.getMoreResults()) {
                    try (ResultSet rs = ps.getResultSet()) {
                        thenRows = t.fetch(rs);
                    }
                }
                return new Recorded(recorded, claims, thenRows);
            }
        });
    }

    /** What recording several completions together did: which counted, and what they claimed. */
    record RecordedTogether(Set<Integer> recorded, List<Claim> claims) {
    }

    /**
     * Records several completions of one task in one statement (group commit) and claims up to
     * {@code limit} of the steps in {@code next} for them; as {@link #record} for each, with the
     * steps completed here counting as completed for those it claims.
     */
    RecordedTogether recordCompletions(DSLContext t, int taskId, List<Outcome> outcomes, Scope next, int limit, long leaseFrom) {
        Integer[] ids = new Integer[outcomes.size()];
        Integer[] attempts = new Integer[ids.length];
        String[] results = new String[ids.length];
        String[] tails = new String[ids.length];
        Long[] late = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            Outcome o = outcomes.get(i);
            ids[i] = o.stepId();
            attempts[i] = o.attempt();
            results[i] = o.results().toString();
            tails[i] = o.logTail();
            late[i] = o.startedLateMicros();
        }
        Sql sql = new Sql();
        sql.add("WITH v AS (SELECT * FROM unnest(?", ids).add(", ?", attempts).add(", ?::text[]", results).add(", ?::text[]", tails)
                .add(", ?::int8[]", late).add(") AS v(id, attempt, results, log_tail, late)), ");
        // Rows are locked in id order, as heartbeats lock them: two statements that each lock several of the
        // same rows in different orders can deadlock (and wait a second for the detector first).
        sql.add("lk AS MATERIALIZED (SELECT id FROM " + steps + " WHERE id = ANY(?) ORDER BY id FOR UPDATE), ", ids);
        sql.add("done AS (UPDATE " + steps + " s SET status = '" + RECORDED_COMPLETED + "', results = v.results::jsonb")
                .add(", started_at = s.started_at + v.late * interval '1 microsecond'")
                .add(", finished_at = now(), lease_owner = NULL, lease_expires_at = NULL, cancel_requested = false")
                .add(" FROM lk JOIN v ON v.id = lk.id WHERE s.id = lk.id AND s.attempt = v.attempt AND s.lease_owner = ?", workerId)
                .add(" AND s.status = '" + ACTIVE + "' RETURNING s.id), ");
        sql.add("run AS (UPDATE " + stepRuns + " r SET finished_at = now()")
                .add(", started_at = r.started_at + v.late * interval '1 microsecond'")
                .add(", outcome = CASE WHEN r.step_id IN (SELECT id FROM done) THEN '" + RUN_COMPLETED + "' ELSE '" + RUN_ABANDONED + "' END")
                .add(", error = CASE WHEN r.step_id IN (SELECT id FROM done) THEN NULL ELSE 'lease lost before the outcome was recorded' END")
                .add(", log_tail = v.log_tail FROM v WHERE r.step_id = v.id AND r.attempt = v.attempt AND r.finished_at IS NULL), ");
        lockAndClaim(sql, next, limit, null, true);
        sql.add(" SELECT d.recorded, c.id, c.task_id, c.attempt, c.settings::text AS settings,"
                + " c.inputs::text AS inputs, c.results::text AS results, c.old_owner")
                .add(" FROM (SELECT ARRAY(SELECT id FROM done) AS recorded) d LEFT JOIN claimed c ON true ORDER BY c.id");
        return Database.onConnection(t, c -> {
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                List<Claim> claims = new ArrayList<>();
                Set<Integer> recorded = new HashSet<>();
                while (rs.next()) {
                    recorded.addAll(Arrays.asList((Integer[]) rs.getArray("recorded").getArray()));
                    if (rs.getObject("id") != null) {
                        claims.add(claimOf(rs, leaseFrom, metrics));
                    }
                }
                return new RecordedTogether(recorded, claims);
            }
        });
    }

    /** A heartbeat's answer for one step it still holds. */
    record Held(int stepId, int attempt, boolean cancelRequested) {
    }

    /**
     * Extends the leases of the given steps that this worker still holds, locking them in id order (as
     * outcomes recorded together do, so the two never deadlock); returns those it extended.
     */
    List<Held> heartbeat(DSLContext t, Integer[] ids) {
        Sql sql = new Sql();
        sql.add("WITH lk AS MATERIALIZED (SELECT id FROM " + steps + " WHERE id = ANY(?)", ids)
                .add(" AND lease_owner = ?", workerId)
                .add(" AND status = '" + ACTIVE + "'")
                // Once this owner's session is gone, others may take its steps over: it renews none, and stops them.
                .add(" AND NOT EXISTS (SELECT 1 FROM " + leaseOwners + " o WHERE o.owner = ?", workerId)
                .add(" AND " + LeaseOwners.sessionGone("o") + ")")
                .add(" ORDER BY id FOR UPDATE)")
                .add(" UPDATE " + steps + " s SET lease_expires_at = now() + ? * interval '1 millisecond'", leaseMillis)
                .add(" FROM lk WHERE s.id = lk.id RETURNING s.id, s.attempt, s.cancel_requested");
        return Database.onConnection(t, c -> {
            List<Held> held = new ArrayList<>();
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    held.add(new Held(rs.getInt(1), rs.getInt(2), rs.getBoolean(3)));
                }
            }
            return held;
        });
    }

    /**
     * The CTEs {@code locked} and {@code claimed}: lock runnable steps of the scope, mark them active
     * under this worker's lease, close an attempt left open by a worker whose lease expired, and open
     * this attempt. {@code completedId} is a step this statement completes.
     */
    private void lockAndClaim(Sql sql, Scope scope, int limit, Integer completedId) {
        lockAndClaim(sql, scope, limit, completedId, false);
    }

    /** As above; {@code completedInDone}: the steps this statement completes are those of the CTE {@code done}. */
    private void lockAndClaim(Sql sql, Scope scope, int limit, Integer completedId, boolean completedInDone) {
        boolean takeovers = scope.candidates() == null;
        if (takeovers) {
            // Owners whose session ended (their process died), computed once, and only when some step's lease
            // is not expired: their steps are taken over without waiting for the lease (see LeaseOwners).
            sql.add("gone AS MATERIALIZED (SELECT o.owner, o.takeover_millis FROM " + leaseOwners + " o WHERE o.owner <> ?", workerId)
                    .add(" AND " + LeaseOwners.sessionGone("o") + "), ");
        }
        sql.add("locked AS MATERIALIZED (SELECT c.id, c.lease_owner AS old_owner, c.lease_expires_at AS old_expiry FROM " + steps + " c WHERE ");
        if (scope.candidates() != null) {
            sql.add("c.id = ANY(?) AND ", scope.candidates());
            runnable(sql, completedId, completedInDone);
        } else {
            if (scope.taskId() != null) {
                sql.add("c.task_id = ? AND ((", scope.taskId());
            } else {
                sql.add("c.status IN ('" + NEW + "', '" + ACTIVE + "') AND ((");
            }
            runnable(sql, completedId, completedInDone);
            sql.add(") OR (c.status = '" + ACTIVE + "' AND (c.lease_expires_at < now() OR EXISTS (SELECT 1 FROM gone g"
                    + " WHERE g.owner = c.lease_owner AND c.lease_expires_at < now() + g.takeover_millis * interval '1 millisecond'))))");
        }
        if (completedId != null || completedInDone) {
            sql.add(" AND EXISTS (SELECT 1 FROM done)");
        }
        // Never the steps this statement completes (one whose lease just expired would otherwise look
        // abandoned): a row updated twice in one statement keeps only one of the updates.
        if (completedId != null) {
            sql.add(" AND c.id <> ?", completedId);
        }
        if (completedInDone) {
            sql.add(" AND c.id NOT IN (SELECT id FROM v)");
        }
        placed(sql, completedId, completedInDone); // across16
        sql.add(" ORDER BY c.id LIMIT ? FOR UPDATE OF c SKIP LOCKED), ", limit);
        sql.add("claimed AS (UPDATE " + steps + " s SET status = '" + CLAIMED + "', attempt = s.attempt + 1")
                .add(", started_at = now(), finished_at = NULL, lease_owner = ?", workerId)
                .add(", lease_expires_at = now() + ? * interval '1 millisecond'", leaseMillis)
                .add(" FROM locked WHERE s.id = locked.id RETURNING s.id, s.task_id, s.attempt, s.settings, s.inputs, s.results"
                        + ", locked.old_owner), "); // old_owner: for the takeover metric (metrics17)
        // An attempt still open here belonged to a worker whose lease expired. Only the previous attempt can
        // be open (each claim closes the one before), and naming it keeps this an index lookup however long
        // the step's history grows.
        sql.add("abandoned AS (UPDATE " + stepRuns + " r SET finished_at = now(), outcome = '" + RUN_ABANDONED + "'")
                .add(", error = CASE WHEN locked.old_expiry IS NULL OR locked.old_expiry < now() THEN 'lease expired; claimed again by ' || ?", workerId)
                .add(" ELSE 'worker ' || locked.old_owner || ' is gone (its database session ended); claimed again by ' || ? END", workerId)
                .add(" FROM claimed JOIN locked ON locked.id = claimed.id WHERE r.step_id = claimed.id AND r.attempt = claimed.attempt - 1"
                        + " AND claimed.attempt > 1 AND r.finished_at IS NULL), ");
        sql.add("opened AS (INSERT INTO " + stepRuns + " (step_id, attempt, worker_id, started_at)")
                .add(" SELECT id, attempt, ?, now() FROM claimed)", workerId);
    }

    // ---- across16: placement (runs_on labels, pins to a Docker engine); one block, re-applied as a whole
    /**
     * A worker claims step {@code c} only when it has every label the step needs ({@link Placement#neededLabels})
     * and every upstream step whose results pin its output ({@code "pinned": {"docker_engine": ID}}) is pinned to
     * facts it has, and (for a step taken over) completed. A step this statement completes is this worker's own
     * output, so it pins nothing here (its old results, which this statement still sees, may name another engine).
     * And (acr16) only when the worker found its task's {@code local_path} on its machine ({@link WorkerPaths}).
     */
    private void placed(Sql sql, Integer completedId, boolean completedInDone) {
        if (placement == null) {
            return;
        }
        sql.add(" AND EXISTS (SELECT 1 FROM " + taskTable + " pt JOIN " + workerPaths + " wp ON wp.path = coalesce(pt.local_path, '')"
                + " WHERE pt.id = c.task_id AND wp.worker_id = ? AND wp.present)", workerId);
        sql.add(" AND ?::jsonb @> " + Placement.neededLabels("c", tasks), placement.labelsJson());
        // An upstream step not completed (being made again elsewhere) holds back a step taken over, too.
        sql.add(" AND NOT EXISTS (SELECT 1 FROM " + dependencies + " pd JOIN " + steps + " pu ON pu.id = pd.depends_on_id"
                + " WHERE pd.step_id = c.id AND (pu.status <> '" + COMPLETED + "' OR (pu.results -> 'pinned' IS NOT NULL"
                + " AND NOT (?::jsonb @> (pu.results -> 'pinned'))))", placement.factsJson());
        if (completedId != null) {
            sql.add(" AND pu.id <> ?", completedId);
        }
        if (completedInDone) {
            sql.add(" AND pu.id NOT IN (SELECT id FROM v)");
        }
        sql.add(")");
    }
    // ---- end across16

    /** New, submitted, due, and every dependency completed (or completed by this very statement). */
    private void runnable(Sql sql, Integer completedId, boolean completedInDone) {
        sql.add("c.status = '" + NEW + "' AND c.inputs IS NOT NULL AND (c.run_after IS NULL OR c.run_after <= now())"
                + " AND NOT EXISTS (SELECT 1 FROM " + dependencies + " d JOIN " + steps + " u ON u.id = d.depends_on_id"
                + " WHERE d.step_id = c.id AND u.status <> '" + COMPLETED + "'");
        if (completedId != null) {
            sql.add(" AND u.id <> ?", completedId);
        }
        if (completedInDone) {
            sql.add(" AND u.id NOT IN (SELECT id FROM done)");
        }
        sql.add(")");
    }

    private static Claim claimOf(ResultSet rs, long leaseFrom, EngineMetrics metrics) throws SQLException {
        if (rs.getString("old_owner") != null) {
            metrics.leaseTakenOver(); // metrics hook: the step was active under another owner's (expired) lease
        }
        return new Claim(rs.getInt("id"), rs.getInt("task_id"), rs.getInt("attempt"),
                json(rs.getString("settings")), json(rs.getString("inputs")), json(rs.getString("results")), leaseFrom);
    }

    private static JsonNode json(String text) {
        return text == null ? null : Store.parse(JSONB.valueOf(text));
    }

    /** SQL text with {@code ?} placeholders and the values they bind, in order. */
    private static final class Sql {
        final StringBuilder text = new StringBuilder(1536);
        final List<Object> values = new ArrayList<>();

        Sql add(String s) {
            text.append(s);
            return this;
        }

        /** Appends {@code s}, which holds one {@code ?} for {@code value}. */
        Sql add(String s, Object value) {
            text.append(s);
            values.add(value);
            return this;
        }

        /** Appends a jOOQ query as the statement after (or before) this one, with its binds. */
        Sql add(Query query) {
            text.append(query.getSQL());
            values.addAll(query.getBindValues());
            return this;
        }

        Sql p(Object value) {
            return add("?", value);
        }

        PreparedStatement prepare(Connection c) throws SQLException {
            PreparedStatement ps = c.prepareStatement(text.toString());
            for (int i = 0; i < values.size(); i++) {
                Object v = values.get(i);
                if (v instanceof Integer[] ids) {
                    ps.setArray(i + 1, c.createArrayOf("int4", ids));
                } else if (v instanceof Long[] longs) {
                    ps.setArray(i + 1, c.createArrayOf("int8", longs));
                } else if (v instanceof String[] texts) {
                    ps.setArray(i + 1, c.createArrayOf("text", texts));
                } else if (v == null) {
                    ps.setNull(i + 1, Types.VARCHAR);
                } else {
                    ps.setObject(i + 1, v);
                }
            }
            return ps;
        }
    }
}
