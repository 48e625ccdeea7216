package dev.tasksync.internal.engine;

import dev.tasksync.StepStatus;
import dev.tasksync.internal.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import org.jooq.DSLContext;
import org.jooq.JSONB;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_DEPENDENCIES;
import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;

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

    private final String workerId;
    private final long leaseMillis;
    private final String steps;
    private final String stepRuns;
    private final String dependencies;

    ClaimStatements(Tables tables, String workerId, java.time.Duration lease) {
        this.workerId = workerId;
        this.leaseMillis = lease.toMillis();
        this.steps = tables.steps();
        this.stepRuns = tables.stepRuns();
        this.dependencies = tables.dependencies();
    }

    /**
     * The tables' names as rendered for the configured schema, once per engine: these statements run
     * per step, and go to JDBC as plain text so that the driver prepares each shape once per connection.
     */
    record Tables(String steps, String stepRuns, String dependencies) {
        static Tables of(DSLContext dsl) {
            return new Tables(dsl.render(STEPS), dsl.render(STEP_RUNS), dsl.render(STEP_DEPENDENCIES));
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
        static Scope only(java.util.Collection<Integer> ids) {
            return new Scope(null, ids.toArray(Integer[]::new));
        }
    }

    /** An outcome to record, fenced by the attempt and owner it was claimed with. */
    record Outcome(int stepId, int taskId, int attempt, StepStatus status, String runOutcome,
                   com.fasterxml.jackson.databind.node.ObjectNode results, String error, String logTail,
                   Long retryAfterMillis, boolean clearFingerprint) {
    }

    /** Claims up to {@code limit} runnable steps in {@code scope}. */
    List<StepRunner.Claim> claim(DSLContext t, Scope scope, int limit, long leaseFrom) {
        Sql sql = new Sql();
        sql.add("WITH ");
        lockAndClaim(sql, scope, limit, false);
        sql.add(" SELECT id, task_id, attempt, settings::text AS settings, inputs::text AS inputs, results::text AS results"
                + " FROM claimed ORDER BY id");
        return t.connectionResult(c -> {
            List<StepRunner.Claim> claims = new ArrayList<>();
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    claims.add(claimOf(rs, leaseFrom));
                }
            }
            return claims;
        });
    }

    /** What recording outcomes did: which counted (their lease still held), and what they claimed. */
    record Recorded(java.util.Set<Integer> recorded, boolean othersWaiting, List<StepRunner.Claim> claims) {
    }

    /**
     * Records outcomes of one task in one statement (several when completions are recorded together)
     * and, when {@code next} is given, claims up to {@code limit} of its steps; the steps completed
     * here count as completed for those. An outcome whose attempt or owner changed (another worker
     * took the step over) changes nothing but closing its attempt as abandoned.
     */
    Recorded record(DSLContext t, int taskId, List<Outcome> outcomes, Scope next, int limit, long leaseFrom) {
        int n = outcomes.size();
        Integer[] ids = new Integer[n];
        Integer[] attempts = new Integer[n];
        String[] statuses = new String[n];
        String[] results = new String[n];
        String[] runOutcomes = new String[n];
        String[] errors = new String[n];
        String[] tails = new String[n];
        Long[] retryAfter = new Long[n];
        Boolean[] clearFingerprint = new Boolean[n];
        for (int i = 0; i < n; i++) {
            Outcome o = outcomes.get(i);
            ids[i] = o.stepId();
            attempts[i] = o.attempt();
            statuses[i] = o.status().dbValue();
            results[i] = o.results().toString();
            runOutcomes[i] = o.runOutcome();
            errors[i] = o.error();
            tails[i] = o.logTail();
            retryAfter[i] = o.retryAfterMillis();
            clearFingerprint[i] = o.clearFingerprint();
        }
        Sql sql = new Sql();
        sql.add("WITH v AS (SELECT * FROM unnest(?", ids).add(", ?", attempts).add(", ?", statuses).add(", ?", results)
                .add(", ?", runOutcomes).add(", ?", errors).add(", ?", tails).add(", ?", retryAfter).add(", ?", clearFingerprint)
                .add(") AS v(id, attempt, status, results, outcome, error, log_tail, retry_after_ms, clear_fingerprint)), ");
        sql.add("done AS (UPDATE " + steps + " s SET status = v.status, results = v.results::jsonb")
                .add(", finished_at = now(), lease_owner = NULL, lease_expires_at = NULL, cancel_requested = false")
                .add(", run_after = CASE WHEN v.retry_after_ms IS NULL THEN s.run_after")
                .add(" ELSE now() + v.retry_after_ms * interval '1 millisecond' END")
                .add(", fingerprint = CASE WHEN v.clear_fingerprint THEN NULL ELSE s.fingerprint END")
                .add(" FROM v WHERE s.id = v.id AND s.attempt = v.attempt AND s.lease_owner = ?", workerId)
                .add(" AND s.status = '" + ACTIVE + "' RETURNING s.id), ");
        sql.add("run AS (UPDATE " + stepRuns + " r SET finished_at = now()")
                .add(", outcome = CASE WHEN r.step_id IN (SELECT id FROM done) THEN v.outcome ELSE 'abandoned' END")
                .add(", error = CASE WHEN r.step_id IN (SELECT id FROM done) THEN v.error ELSE 'lease lost before the outcome was recorded' END")
                .add(", log_tail = v.log_tail FROM v WHERE r.step_id = v.id AND r.attempt = v.attempt AND r.finished_at IS NULL)");
        boolean claiming = next != null && limit > 0;
        if (claiming) {
            sql.add(", ");
            lockAndClaim(sql, next, limit, true);
        }
        // Whether the task still has steps waiting: when none, the caller settles the task's status.
        // The snapshot predates this statement, so steps claimed here still read as new.
        sql.add(" SELECT d.recorded, d.waiting");
        if (claiming) {
            sql.add(", c.id, c.task_id, c.attempt, c.settings::text AS settings, c.inputs::text AS inputs, c.results::text AS results");
        }
        sql.add(" FROM (SELECT ARRAY(SELECT id FROM done) AS recorded, ");
        if (claiming) {
            sql.add("CASE WHEN EXISTS (SELECT 1 FROM claimed) THEN true ELSE "); // what it claimed is waiting
        }
        sql.add("EXISTS (SELECT 1 FROM " + steps + " w WHERE w.task_id = ?", taskId)
                .add(" AND w.status = '" + NEW + "' AND w.id <> ALL(?))", ids);
        if (claiming) {
            sql.add(" END");
        }
        sql.add(" AS waiting) d");
        if (claiming) {
            sql.add(" LEFT JOIN claimed c ON true ORDER BY c.id");
        }
        return t.connectionResult(c -> {
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                List<StepRunner.Claim> claims = new ArrayList<>();
                java.util.Set<Integer> recorded = new java.util.HashSet<>();
                boolean waiting = false;
                while (rs.next()) {
                    recorded.addAll(java.util.Arrays.asList((Integer[]) rs.getArray("recorded").getArray()));
                    waiting = rs.getBoolean("waiting");
                    if (claiming && rs.getObject("id") != null) {
                        claims.add(claimOf(rs, leaseFrom));
                    }
                }
                return new Recorded(recorded, waiting, claims);
            }
        });
    }

    /**
     * The CTEs {@code locked} and {@code claimed}: lock runnable steps of the scope, mark them active
     * under this worker's lease, close an attempt left open by a worker whose lease expired, and open
     * this attempt. {@code afterOutcomes}: the statement records outcomes first (CTEs {@code v} and
     * {@code done}), and the steps it completes count as completed.
     */
    private void lockAndClaim(Sql sql, Scope scope, int limit, boolean afterOutcomes) {
        sql.add("locked AS MATERIALIZED (SELECT c.id FROM " + steps + " c WHERE ");
        if (scope.candidates() != null) {
            sql.add("c.id = ANY(?) AND ", scope.candidates());
            runnable(sql, afterOutcomes);
        } else {
            if (scope.taskId() != null) {
                sql.add("c.task_id = ? AND ((", scope.taskId());
            } else {
                sql.add("c.status IN ('" + NEW + "', '" + ACTIVE + "') AND ((");
            }
            runnable(sql, afterOutcomes);
            sql.add(") OR (c.status = '" + ACTIVE + "' AND c.lease_expires_at < now()))");
        }
        if (afterOutcomes) {
            // Only when an outcome counted; never the steps whose outcomes this is (one whose lease just
            // expired would look abandoned, and a row updated twice in one statement keeps one update).
            sql.add(" AND EXISTS (SELECT 1 FROM done) AND c.id NOT IN (SELECT id FROM v)");
        }
        sql.add(" ORDER BY c.id LIMIT ? FOR UPDATE OF c SKIP LOCKED), ", limit);
        sql.add("claimed AS (UPDATE " + steps + " s SET status = '" + ACTIVE + "', attempt = s.attempt + 1")
                .add(", started_at = now(), finished_at = NULL, lease_owner = ?", workerId)
                .add(", lease_expires_at = now() + ? * interval '1 millisecond'", leaseMillis)
                .add(" FROM locked WHERE s.id = locked.id RETURNING s.id, s.task_id, s.attempt, s.settings, s.inputs, s.results), ");
        // An attempt still open here belonged to a worker whose lease expired.
        sql.add("abandoned AS (UPDATE " + stepRuns + " r SET finished_at = now(), outcome = 'abandoned'")
                .add(", error = 'lease expired; claimed again by ' || ?", workerId)
                .add(" FROM claimed WHERE r.step_id = claimed.id AND claimed.attempt > 1 AND r.finished_at IS NULL), ");
        sql.add("opened AS (INSERT INTO " + stepRuns + " (step_id, attempt, worker_id, started_at)")
                .add(" SELECT id, attempt, ?, now() FROM claimed)", workerId);
    }

    /** New, submitted, due, and every dependency completed (or completed by this very statement). */
    private void runnable(Sql sql, boolean afterOutcomes) {
        sql.add("c.status = '" + NEW + "' AND c.inputs IS NOT NULL AND (c.run_after IS NULL OR c.run_after <= now())"
                + " AND NOT EXISTS (SELECT 1 FROM " + dependencies + " d JOIN " + steps + " u ON u.id = d.depends_on_id"
                + " WHERE d.step_id = c.id AND u.status <> '" + COMPLETED + "'");
        if (afterOutcomes) {
            sql.add(" AND u.id NOT IN (SELECT id FROM done)");
        }
        sql.add(")");
    }

    private static StepRunner.Claim claimOf(ResultSet rs, long leaseFrom) throws SQLException {
        return new StepRunner.Claim(rs.getInt("id"), rs.getInt("task_id"), rs.getInt("attempt"),
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

        Sql p(Object value) {
            return add("?", value);
        }

        PreparedStatement prepare(Connection c) throws SQLException {
            PreparedStatement ps = c.prepareStatement(text.toString());
            for (int i = 0; i < values.size(); i++) {
                Object v = values.get(i);
                if (v instanceof Integer[] ids) {
                    ps.setArray(i + 1, c.createArrayOf("int4", ids));
                } else if (v instanceof String[] texts) {
                    ps.setArray(i + 1, c.createArrayOf("text", texts));
                } else if (v instanceof Long[] longs) {
                    ps.setArray(i + 1, c.createArrayOf("int8", longs));
                } else if (v instanceof Boolean[] flags) {
                    ps.setArray(i + 1, c.createArrayOf("bool", flags));
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
