package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.RunOptions;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.internal.sql.Bound;
import dev.tasksync.internal.sql.Params;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * peers: {@code recordCompletions} stays linear in its batch whatever the planner's statistics say. During a run the
 * statistics come from before it (every attempt finished, no step of this owner active), so the planner guesses one
 * row for "this owner's active steps" and "attempts still open"; a join written on those columns then became a
 * nested loop comparing every completion with every open attempt (and step). The statement is sent as the engine
 * sends it (unnamed, so planned with its values) and its plan read back with EXPLAIN ANALYZE.
 */
class RecordCompletionsPlanIT {
    private static final int STEPS = 2_000;
    private static final int BATCH = 160;
    private static final String OWNER = "plan-it";

    @Test
    void aBatchOfCompletionsIsJoinedByKeyNotComparedWithEveryOpenAttemptUnderStatisticsFromBeforeTheRun() throws Exception {
        withBatch("plan", true, (c, schema, ids, candidates) -> {
            JsonNode plan = explain(c, completions(schema, ids, candidates));

            assertThat(sum(plan, "Rows Removed by Join Filter")).as("rows compared and thrown away by joins")
                    .isLessThanOrEqualTo(BATCH);
            // and it did its work: the batch completed, each attempt closed once, the candidates claimed
            assertThat(count(c, schema, "steps WHERE status = 'completed' AND id = ANY('" + array(ids) + "')")).isEqualTo(BATCH);
            assertThat(count(c, schema, "step_runs WHERE outcome = 'completed' AND finished_at IS NOT NULL AND step_id = ANY('"
                    + array(ids) + "')")).isEqualTo(BATCH);
            assertThat(count(c, schema, "steps WHERE status = 'active' AND lease_owner = '" + OWNER + "' AND id = ANY('"
                    + array(candidates) + "')")).isEqualTo(BATCH);
        });
    }

    /**
     * The attempts a batch closes are found by key in a generic plan too, the plan pgjdbc keeps once it prepared
     * the statement (its fifth run on a connection, early in a run, while step_runs is small). Joined on the attempt's id
     * alone, that plan hashed the batch's open attempts and read all of step_runs for each batch (on a 10,000-step fan-out,
     * 782,000 rows per run). Asserted as the rows the plan read from step_runs: the batch's, not
     * the table's ({@code STEPS} attempts).
     */
    @Test
    void aGenericPlanClosesTheBatchsAttemptsByKeyWithoutReadingAllOfStepRuns() throws Exception {
        withBatch("generic", false, (c, schema, ids, candidates) -> {
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL plan_cache_mode = force_generic_plan"); // as a prepared statement's kept plan
            }
            JsonNode plan = explain(c, completions(schema, ids, candidates));

            assertThat(rowsRead(plan, "step_runs")).as("rows of step_runs read by scans other than by key")
                    .isLessThanOrEqualTo(2L * BATCH);
            assertThat(count(c, schema, "step_runs WHERE outcome = 'completed' AND finished_at IS NOT NULL AND step_id = ANY('"
                    + array(ids) + "')")).isEqualTo(BATCH);
        });
    }

    /**
     * A claimed step's inputs come back only when they list files (an execution reads nothing else of them:
     * the file hashes it puts in its results, LocalPathIT); these steps watch none, and were sent and parsed in full.
     */
    @Test
    void claimedStepsThatWatchNoFilesComeWithoutTheirInputs() throws Exception {
        withBatch("inputs", false, (c, schema, ids, candidates) -> {
            int rows = 0;
            int withInputs = 0;
            try (PreparedStatement ps = completions(schema, ids, candidates).prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    if (rs.getString("inputs") != null) {
                        withInputs++;
                    }
                }
            }
            assertThat(rows).as("one row per step claimed").isEqualTo(BATCH);
            assertThat(withInputs).as("claimed rows that carry inputs").isZero();
            assertThat(count(c, schema, "steps WHERE inputs IS NOT NULL AND id = ANY('" + array(candidates) + "')"))
                    .as("their inputs are stored all the same").isEqualTo(BATCH);
        });
    }

    /** The rows that sequential scans of {@code table} returned, over every node of the plan (times their loops). */
    private static long rowsRead(JsonNode node, String table) {
        long total = 0;
        if ("Seq Scan".equals(node.path("Node Type").asText()) && table.equals(node.path("Relation Name").asText())) {
            total += (node.path("Actual Rows").asLong(0) + node.path("Rows Removed by Filter").asLong(0))
                    * Math.max(1, node.path("Actual Loops").asLong(1));
        }
        for (JsonNode child : node) {
            if (child.isContainerNode()) {
                total += rowsRead(child, table);
            }
        }
        return total;
    }

    /**
     * The ids a batch recorded come back once, on the first row, not on each of the rows of the steps it claimed
     * (a batch of n outcomes that claimed m steps sent and decoded n × m ids).
     */
    @Test
    void aBatchSendsTheIdsItRecordedOnceNotWithEveryStepItClaimed() throws Exception {
        withBatch("once", false, (c, schema, ids, candidates) -> {
            int rows = 0;
            int rowsWithRecorded = 0;
            List<Integer> recorded = new ArrayList<>();
            try (PreparedStatement ps = completions(schema, ids, candidates).prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    java.sql.Array a = rs.getArray("recorded");
                    if (a != null) {
                        rowsWithRecorded++;
                        recorded.addAll(Arrays.asList((Integer[]) a.getArray()));
                    }
                }
            }
            assertThat(rows).as("one row per step claimed").isEqualTo(BATCH);
            assertThat(rowsWithRecorded).as("rows that carry the recorded ids").isEqualTo(1);
            assertThat(recorded).containsExactlyInAnyOrder(ids);
        });
    }

    /** What a test does with a batch set up by {@link #withBatch}. */
    private interface BatchTest {
        void run(Connection c, String schema, Integer[] ids, Integer[] candidates) throws Exception;
    }

    /**
     * Runs a task of {@code STEPS} steps (statistics gathered after it when {@code analyze}), then, in a transaction
     * rolled back after {@code test}: {@code BATCH} steps this owner's with their attempts open, {@code BATCH} more new.
     */
    private static void withBatch(String name, boolean analyze, BatchTest test) throws Exception {
        String schema = TestDatabase.newSchema();
        try (TaskSync ts = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema)
                .stepType(new TestSteps.SleepType()).build();
             Connection c = TestDatabase.dataSource().getConnection()) {
            Task task = ts.save(TestSteps.independentSleeps(name, STEPS, 0));
            ts.run(task.id(), RunOptions.defaults().withConcurrency(8));
            if (analyze) {
                try (Statement s = c.createStatement()) {
                    s.execute("ANALYZE \"" + schema + "\".steps, \"" + schema + "\".step_dependencies, \"" + schema + "\".step_runs");
                }
            }
            c.setAutoCommit(false);
            try {
                Integer[] ids = ids(c, schema, 0);
                Integer[] candidates = ids(c, schema, BATCH);
                try (Statement s = c.createStatement()) {
                    // the batch's steps are this owner's, their attempts open; the candidates new again
                    s.executeUpdate("UPDATE \"" + schema + "\".steps SET status = 'active', lease_owner = '" + OWNER
                            + "' WHERE id = ANY('" + array(ids) + "')");
                    s.executeUpdate("UPDATE \"" + schema + "\".step_runs SET finished_at = NULL, outcome = NULL WHERE step_id = ANY('"
                            + array(ids) + "')");
                    s.executeUpdate("UPDATE \"" + schema + "\".steps SET status = 'new', lease_owner = NULL WHERE id = ANY('"
                            + array(candidates) + "')");
                }
                test.run(c, schema, ids, candidates);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    /** The statement an in-process run sends for {@code ids}' completions, claiming among {@code candidates}. */
    private static Bound completions(String schema, Integer[] ids, Integer[] candidates) {
        String q = "\"" + schema + "\".";
        ClaimStatements.Tables tables = new ClaimStatements.Tables(q + "steps", q + "step_runs", q + "step_dependencies",
                q + "lease_owners", q + "task_runs_on", q + "workers", q + "tasks", q + "worker_paths");
        Integer[] attempts = new Integer[ids.length];
        String[] results = new String[ids.length];
        String[] tails = new String[ids.length];
        Long[] late = new Long[ids.length];
        Arrays.fill(attempts, 1);
        Arrays.fill(results, "{}");
        Arrays.fill(tails, "");
        Arrays.fill(late, 0L);
        return ClaimStatements.RECORD_COMPLETIONS.render(tables.identifiers(), Set.of("ids", "completes", "completed_in_done"))
                .bind(Params.of().set("worker_id", OWNER).set("lease_millis", 60_000L).set("limit", candidates.length)
                        .set("candidates", candidates).set("ids", ids).set("attempts", attempts).set("results", results)
                        .set("log_tails", tails).set("late_micros", late));
    }

    private static JsonNode explain(Connection c, Bound sql) throws Exception {
        try (PreparedStatement ps = new Bound("EXPLAIN (ANALYZE, FORMAT JSON) " + sql.text(), sql.values()).prepare(c);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new ObjectMapper().readTree(rs.getString(1));
        }
    }

    /** The sum of {@code field} over every node of the plan. */
    private static long sum(JsonNode node, String field) {
        long total = node.path(field).asLong(0);
        for (JsonNode child : node) {
            if (child.isContainerNode()) {
                total += sum(child, field);
            }
        }
        return total;
    }

    /** {@code BATCH} step ids of the task in id order, from the {@code skip}-th on (after the first). */
    private static Integer[] ids(Connection c, String schema, int skip) throws SQLException {
        List<Integer> ids = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM \"" + schema
                + "\".steps ORDER BY id OFFSET " + (1 + skip) + " LIMIT " + BATCH)) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        return ids.toArray(Integer[]::new);
    }

    private static long count(Connection c, String schema, String where) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + schema + "\"." + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String array(Integer[] ids) {
        return "{" + String.join(",", Arrays.stream(ids).map(String::valueOf).toList()) + "}";
    }
}
