package dev.tasksync.internal.engine;

import dev.tasksync.StepStatus;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;
import org.jooq.QueryPart;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

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

    ClaimStatements(String workerId, java.time.Duration lease) {
        this.workerId = workerId;
        this.leaseMillis = lease.toMillis();
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

    /** What recording an outcome did: whether it counted (the lease still held), and what it claimed. */
    record Recorded(boolean recorded, boolean othersWaiting, List<StepRunner.Claim> claims) {
    }

    /** Claims up to {@code limit} runnable steps in {@code scope}. */
    List<StepRunner.Claim> claim(DSLContext t, Scope scope, int limit, long leaseFrom) {
        Sql sql = new Sql();
        sql.add("WITH ");
        lockAndClaim(sql, scope, limit, null);
        sql.add(" SELECT id, task_id, attempt, settings::text AS settings, inputs::text AS inputs, results::text AS results FROM claimed ORDER BY id");
        List<StepRunner.Claim> claims = new ArrayList<>();
        for (Record r : t.resultQuery(sql.text.toString(), sql.parts.toArray()).fetch()) {
            claims.add(claimOf(r, leaseFrom));
        }
        return claims;
    }

    /**
     * Records an outcome; when it counts and {@code next} is given, claims up to {@code limit} of
     * those steps in the same statement (the recorded step counts as completed for them).
     */
    Recorded record(DSLContext t, Outcome o, Scope next, int limit, long leaseFrom) {
        Sql sql = new Sql();
        String id = sql.p(DSL.val(o.stepId()));
        String attempt = sql.p(DSL.val(o.attempt()));
        String worker = sql.p(DSL.val(workerId));
        sql.add("WITH done AS (UPDATE ").add(sql.p(STEPS)).add(" SET status = ").add(sql.p(DSL.val(o.status().dbValue())))
                .add(", results = ").add(sql.p(DSL.val(Store.jsonb(o.results()))))
                .add(", finished_at = now(), lease_owner = NULL, lease_expires_at = NULL, cancel_requested = false");
        if (o.retryAfterMillis() != null) {
            sql.add(", run_after = now() + ").add(sql.p(DSL.val(o.retryAfterMillis()))).add(" * interval '1 millisecond'");
        }
        if (o.clearFingerprint()) {
            sql.add(", fingerprint = NULL");
        }
        sql.add(" WHERE id = ").add(id).add(" AND attempt = ").add(attempt).add(" AND lease_owner = ").add(worker)
                .add(" AND status = '").add(ACTIVE).add("' RETURNING id), ");
        sql.add("run AS (UPDATE ").add(sql.p(STEP_RUNS)).add(" SET finished_at = now()")
                .add(", outcome = CASE WHEN EXISTS (SELECT 1 FROM done) THEN ").add(sql.p(DSL.val(o.runOutcome())))
                .add(" ELSE 'abandoned' END")
                .add(", error = CASE WHEN EXISTS (SELECT 1 FROM done) THEN ").add(sql.p(DSL.val(o.error(), SQLDataType.CLOB)))
                .add(" ELSE 'lease lost before the outcome was recorded' END")
                .add(", log_tail = ").add(sql.p(DSL.val(o.logTail(), SQLDataType.CLOB)))
                .add(" WHERE step_id = ").add(id).add(" AND attempt = ").add(attempt).add(" AND finished_at IS NULL)");
        boolean claiming = next != null && limit > 0;
        if (claiming) {
            sql.add(", ");
            lockAndClaim(sql, next, limit, id);
        }
        // Whether the task still has steps waiting: when none, the caller settles the task's status.
        // The snapshot predates this statement, so steps claimed here still read as new.
        String waiting = "EXISTS (SELECT 1 FROM " + sql.p(STEPS) + " w WHERE w.task_id = " + sql.p(DSL.val(o.taskId()))
                + " AND w.status = '" + NEW + "' AND w.id <> " + id + ")";
        if (claiming) {
            waiting = "CASE WHEN EXISTS (SELECT 1 FROM claimed) THEN true ELSE " + waiting + " END"; // claimed ones are waiting
        }
        sql.add(" SELECT d.recorded, d.waiting");
        if (claiming) {
            sql.add(", c.id, c.task_id, c.attempt, c.settings::text AS settings, c.inputs::text AS inputs, c.results::text AS results");
        }
        sql.add(" FROM (SELECT (SELECT count(*) FROM done) AS recorded, ").add(waiting).add(" AS waiting) d");
        if (claiming) {
            sql.add(" LEFT JOIN claimed c ON true ORDER BY c.id");
        }
        var rows = t.resultQuery(sql.text.toString(), sql.parts.toArray()).fetch();
        Record first = rows.get(0);
        List<StepRunner.Claim> claims = new ArrayList<>();
        if (claiming) {
            for (Record r : rows) {
                if (r.get("id") != null) {
                    claims.add(claimOf(r, leaseFrom));
                }
            }
        }
        return new Recorded(first.get("recorded", Long.class) > 0, Boolean.TRUE.equals(first.get("waiting", Boolean.class)), claims);
    }

    /**
     * The CTEs {@code locked} and {@code claimed}: lock runnable steps of the scope, mark them active
     * under this worker's lease, close an attempt left open by a worker whose lease expired, and open
     * this attempt. {@code completedId} (a placeholder) is a step this statement completes.
     */
    private void lockAndClaim(Sql sql, Scope scope, int limit, String completedId) {
        String steps = sql.p(STEPS);
        String runs = sql.p(STEP_RUNS);
        String worker = sql.p(DSL.val(workerId));
        String runnable = "c.status = '" + NEW + "' AND c.inputs IS NOT NULL AND (c.run_after IS NULL OR c.run_after <= now())"
                + " AND NOT EXISTS (SELECT 1 FROM " + sql.p(STEP_DEPENDENCIES) + " d JOIN " + steps + " u ON u.id = d.depends_on_id"
                + " WHERE d.step_id = c.id AND u.status <> '" + COMPLETED + "'"
                + (completedId == null ? "" : " AND u.id <> " + completedId) + ")";
        String abandoned = "c.status = '" + ACTIVE + "' AND c.lease_expires_at < now()";
        String where;
        if (scope.candidates() != null) {
            where = "c.id = ANY(" + sql.p(DSL.val(scope.candidates(), SQLDataType.INTEGER.getArrayDataType())) + ") AND " + runnable;
        } else if (scope.taskId() != null) {
            where = "c.task_id = " + sql.p(DSL.val(scope.taskId())) + " AND ((" + runnable + ") OR (" + abandoned + "))";
        } else {
            where = "c.status IN ('" + NEW + "', '" + ACTIVE + "') AND ((" + runnable + ") OR (" + abandoned + "))";
        }
        if (completedId != null) {
            where += " AND EXISTS (SELECT 1 FROM done)";
        }
        sql.add("locked AS MATERIALIZED (SELECT c.id FROM ").add(steps).add(" c WHERE ").add(where)
                .add(" ORDER BY c.id LIMIT ").add(sql.p(DSL.val(limit))).add(" FOR UPDATE OF c SKIP LOCKED), ");
        sql.add("claimed AS (UPDATE ").add(steps).add(" s SET status = '").add(ACTIVE).add("', attempt = s.attempt + 1")
                .add(", started_at = now(), finished_at = NULL, lease_owner = ").add(worker)
                .add(", lease_expires_at = now() + ").add(sql.p(DSL.val(leaseMillis))).add(" * interval '1 millisecond'")
                .add(" FROM locked WHERE s.id = locked.id RETURNING s.id, s.task_id, s.attempt, s.settings, s.inputs, s.results), ");
        // An attempt still open here belonged to a worker whose lease expired.
        sql.add("abandoned AS (UPDATE ").add(runs).add(" r SET finished_at = now(), outcome = 'abandoned'")
                .add(", error = 'lease expired; claimed again by ' || ").add(worker)
                .add(" FROM claimed WHERE r.step_id = claimed.id AND claimed.attempt > 1 AND r.finished_at IS NULL), ");
        sql.add("opened AS (INSERT INTO ").add(runs).add(" (step_id, attempt, worker_id, started_at)")
                .add(" SELECT id, attempt, ").add(worker).add(", now() FROM claimed)");
    }

    private static StepRunner.Claim claimOf(Record r, long leaseFrom) {
        return new StepRunner.Claim(r.get("id", Integer.class), r.get("task_id", Integer.class), r.get("attempt", Integer.class),
                json(r, "settings"), json(r, "inputs"), json(r, "results"), leaseFrom);
    }

    private static com.fasterxml.jackson.databind.JsonNode json(Record r, String column) {
        String text = r.get(column, String.class);
        return text == null ? null : Store.parse(org.jooq.JSONB.valueOf(text));
    }

    /** Plain SQL with {@code {n}} placeholders for the query parts it binds or renders. */
    private static final class Sql {
        final StringBuilder text = new StringBuilder(1024);
        final List<QueryPart> parts = new ArrayList<>();

        String p(QueryPart part) {
            parts.add(part);
            return "{" + (parts.size() - 1) + "}";
        }

        Sql add(String s) {
            text.append(s);
            return this;
        }
    }
}
