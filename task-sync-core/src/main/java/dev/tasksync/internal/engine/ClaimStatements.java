package dev.tasksync.internal.engine;

import dev.tasksync.AttemptOutcome;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.metrics.EngineMetrics;
import dev.tasksync.internal.sql.Bound;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.internal.sql.Params;
import dev.tasksync.internal.sql.SqlFile;
import dev.tasksync.internal.store.Database;
import dev.tasksync.internal.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static dev.tasksync.internal.store.jooq.Tables.LEASE_OWNERS;
import static dev.tasksync.internal.store.jooq.Tables.STEPS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_DEPENDENCIES;
import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;
import static dev.tasksync.internal.store.jooq.Tables.TASKS;
import static dev.tasksync.internal.store.jooq.Tables.TASK_RUNS_ON;
import static dev.tasksync.internal.store.jooq.Tables.WORKERS;
import static dev.tasksync.internal.store.jooq.Tables.WORKER_PATHS;

/**
 * The statements that hand steps to workers, named queries of {@code claims.sql} (the SQL and why it is so
 * is there). Claiming and recording an outcome are one statement each (data-modifying CTEs), and an
 * outcome's statement also claims the steps it released: a step of a chain costs one round trip to finish
 * that starts the next one too. This class picks each statement's variant (flags) and binds its parameters.
 */
final class ClaimStatements {
    static final SqlFile SQL = SqlFile.load(ClaimStatements.class, "claims.sql");
    static final NamedQuery CLAIM = SQL.query("claim");
    static final NamedQuery RECORD_AND_CLAIM = SQL.query("recordAndClaim");
    static final NamedQuery RECORD_COMPLETIONS = SQL.query("recordCompletions");
    static final NamedQuery HEARTBEAT = SQL.query("heartbeat");
    static final NamedQuery WAKE_WORKERS = SQL.query("wakeWorkers");

    static {
        // The status changes claims.sql makes: a claim makes a new step, or an active one whose lease was lost,
        // active; recordCompletions completes active steps (recordAndClaim sets the outcome's status, checked
        // where the outcome is made).
        StatusTransitions.step(EnumSet.of(StepStatus.NEW, StepStatus.ACTIVE), StepStatus.ACTIVE);
        StatusTransitions.step(StepStatus.ACTIVE, StepStatus.COMPLETED);
    }

    private final String workerId;
    private final long leaseMillis;
    private final Map<String, String> identifiers;
    private final EngineMetrics metrics;
    // across16: a worker's labels and facts (null for in-process runs, which claim wherever they are)
    private final Placement placement;

    ClaimStatements(Tables tables, String workerId, Duration lease, EngineMetrics metrics, Placement placement) {
        this.metrics = metrics;
        this.placement = placement;
        this.workerId = workerId;
        this.leaseMillis = lease.toMillis();
        this.identifiers = tables.identifiers();
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

        /** The names {@code ${table}} of the named queries stand for. */
        Map<String, String> identifiers() {
            return Map.of("steps", steps, "step_runs", stepRuns, "step_dependencies", dependencies, "lease_owners", leaseOwners,
                    "task_runs_on", taskRunsOn, "workers", workers, "tasks", tasks, "worker_paths", workerPaths);
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
        Set<String> flags = new HashSet<>();
        Params params = claimParams(flags, scope, limit, null, false);
        Bound sql = CLAIM.render(identifiers, flags).bind(params);
        Bound all = before == null ? sql : sql.after(before);
        return Database.onConnection(t, c -> {
            List<Claim> claims = new ArrayList<>();
            try (PreparedStatement ps = all.prepare(c)) {
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
        boolean claiming = next != null && limit > 0;
        Set<String> flags = new HashSet<>();
        Params params = claiming ? claimParams(flags, next, limit, o.stepId(), false) : Params.of().set("worker_id", workerId);
        if (claiming) {
            flags.add("claiming");
        }
        if (o.retryAfterMillis() != null) {
            flags.add("retry");
            params.set("retry_after_millis", o.retryAfterMillis());
        }
        if (o.clearFingerprint()) {
            flags.add("clear_fingerprint");
        }
        params.set("status", o.status().dbValue()).set("results", Store.text(o.results()))
                .set("late_micros", o.startedLateMicros()).set("step_id", o.stepId()).set("attempt", o.attempt())
                .set("run_outcome", o.runOutcome().dbValue()).set("error", o.error()).set("log_tail", o.logTail());
        Bound one = RECORD_AND_CLAIM.render(identifiers, flags).bind(params);
        // pgjdbc sends both statements before one Sync: one round trip, one implicit transaction.
        Bound sql = then == null ? one : one.then(then);
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
        return recordCompletions(t, completionsSql(outcomes, next, limit), leaseFrom);
    }

    /**
     * A worker's completions of any tasks in one statement, committed by itself (autocommit), with the
     * claims for them; and, in the same round trip and implicit transaction, the {@link #wakeWorkers} of their
     * {@code dependents} (none: no second statement).
     */
    RecordedTogether recordCompletionsAndWake(DSLContext t, List<Outcome> outcomes, Scope next, int limit, long leaseFrom,
                                              String channel, Collection<Integer> dependents) {
        Bound record = completionsSql(outcomes, next, limit);
        ResultQuery<Record> wake = wakeWorkers(t, identifiers, channel, dependents, workerId);
        return recordCompletions(t, wake == null ? record : record.then(wake), leaseFrom);
    }

    /**
     * The one statement that wakes the other workers after outcomes ({@code wakeWorkers} in claims.sql), sent in
     * their round trip: a notification on {@code channel} when one of {@code dependents} (the outcomes' direct
     * dependents) is runnable and still new, so this worker did not claim it with them; its payload names them and
     * {@code sender} (see {@link WorkerClaims#hint}). Null when there are no dependents: most of a fan-out's
     * outcomes then send nothing besides their recording.
     */
    static ResultQuery<Record> wakeWorkers(DSLContext t, Map<String, String> identifiers, String channel,
                                           Collection<Integer> dependents, String sender) {
        if (dependents.isEmpty()) {
            return null;
        }
        return WAKE_WORKERS.render(identifiers, Set.of()).bind(Params.of().set("channel", channel)
                .set("ids", dependents.toArray(Integer[]::new)).set("sender", sender)).query(t);
    }

    private RecordedTogether recordCompletions(DSLContext t, Bound sql, long leaseFrom) {
        return Database.onConnection(t, c -> {
            try (PreparedStatement ps = sql.prepare(c)) {
                ps.execute();
                List<Claim> claims = new ArrayList<>();
                Set<Integer> recorded = new HashSet<>();
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        Array ids = rs.getArray("recorded"); // on the first row only
                        if (ids != null) {
                            recorded.addAll(Arrays.asList((Integer[]) ids.getArray()));
                        }
                        if (rs.getObject("id") != null) {
                            claims.add(claimOf(rs, leaseFrom, metrics));
                        }
                    }
                }
                return new RecordedTogether(recorded, claims);
            }
        });
    }

    /** The statement {@code recordCompletions} for {@code outcomes}, claiming up to {@code limit} in {@code next}. */
    private Bound completionsSql(List<Outcome> outcomes, Scope next, int limit) {
        Integer[] ids = new Integer[outcomes.size()];
        Integer[] attempts = new Integer[ids.length];
        String[] results = new String[ids.length];
        String[] tails = new String[ids.length];
        Long[] late = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            Outcome o = outcomes.get(i);
            ids[i] = o.stepId();
            attempts[i] = o.attempt();
            results[i] = Store.text(o.results());
            tails[i] = o.logTail();
            late[i] = o.startedLateMicros();
        }
        Set<String> flags = new HashSet<>();
        Params params = claimParams(flags, next, limit, null, true)
                .set("ids", ids).set("attempts", attempts).set("results", results).set("log_tails", tails).set("late_micros", late);
        return RECORD_COMPLETIONS.render(identifiers, flags).bind(params);
    }

    /** A heartbeat's answer for one step it still holds. */
    record Held(int stepId, int attempt, boolean cancelRequested) {
    }

    /**
     * Extends the leases of the given steps that this worker still holds, locking them in id order (as
     * outcomes recorded together do, so the two never deadlock); returns those it extended.
     */
    List<Held> heartbeat(DSLContext t, Integer[] ids) {
        Bound sql = HEARTBEAT.render(identifiers, Set.of())
                .bind(Params.of().set("ids", ids).set("worker_id", workerId).set("lease_millis", leaseMillis));
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
     * The flags and parameters of the CTEs {@code locked} and {@code claimed} (query {@code lockAndClaim}):
     * which steps {@code scope} looks at, and which step this statement completes: {@code completedId}, or
     * ({@code completedInDone}) those of its CTE {@code done}.
     */
    private Params claimParams(Set<String> flags, Scope scope, int limit, Integer completedId, boolean completedInDone) {
        Params params = Params.of().set("worker_id", workerId).set("lease_millis", leaseMillis).set("limit", limit);
        if (scope.candidates() != null) {
            flags.add("ids");
            params.set("candidates", scope.candidates());
        } else if (scope.taskId() != null) {
            flags.add("task");
            params.set("task_id", scope.taskId());
        } else {
            flags.add("any");
        }
        if (completedId != null) {
            flags.add("completes");
            flags.add("completed_id");
            params.set("completed_id", completedId);
        }
        if (completedInDone) {
            flags.add("completes");
            flags.add("completed_in_done");
        }
        if (placement != null) { // across16
            flags.add("placed");
            params.set("labels", placement.labelsJson()).set("facts", placement.factsJson());
        }
        return params;
    }

    private static Claim claimOf(ResultSet rs, long leaseFrom, EngineMetrics metrics) throws SQLException {
        if (rs.getString("old_owner") != null) {
            metrics.leaseTakenOver(); // metrics hook: the step was active under another owner's (expired) lease
        }
        return new Claim(rs.getInt("id"), rs.getInt("task_id"), rs.getInt("attempt"),
                json(rs.getString("settings")), json(rs.getString("inputs")), json(rs.getString("results")), leaseFrom);
    }

    private static JsonNode json(String text) {
        return Store.parse(text);
    }
}
