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
import java.sql.Statement;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V18: steps are indexed by status only while unfinished (steps_unfinished_idx, (task_id, id) WHERE new or active).
 * A task's claims and the probes for its unfinished steps read those, not every finished row of the task, with
 * statistics gathered while most of the task was done. Sent as the engine sends them, read back with EXPLAIN ANALYZE.
 */
class UnfinishedStepsPlanIT {
    private static final int STEPS = 2_000;
    private static final int NEW = 50;

    @Test
    void aTasksClaimAndAProbeForItsUnfinishedStepsReadItsUnfinishedRowsNotAllOfIt() throws Exception {
        String schema = TestDatabase.newSchema();
        try (TaskSync ts = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema)
                .stepType(new TestSteps.SleepType()).build();
             Connection c = TestDatabase.dataSource().getConnection()) {
            Task task = ts.save(TestSteps.independentSleeps("unfinished", STEPS, 0));
            ts.run(task.id(), RunOptions.defaults().withConcurrency(8));
            String q = "\"" + schema + "\".";
            try (Statement s = c.createStatement()) {
                s.execute("ANALYZE " + q + "steps, " + q + "step_dependencies, " + q + "step_runs");
            }
            c.setAutoCommit(false);
            try {
                try (Statement s = c.createStatement()) {
                    // the last few steps are new again (to be run again), the rest of the task completed
                    s.executeUpdate("UPDATE " + q + "steps SET status = 'new' WHERE id IN (SELECT id FROM " + q
                            + "steps ORDER BY id DESC LIMIT " + NEW + ")");
                }
                ClaimStatements.Tables tables = new ClaimStatements.Tables(q + "steps", q + "step_runs", q + "step_dependencies",
                        q + "lease_owners", q + "task_runs_on", q + "workers", q + "tasks", q + "worker_paths");
                for (String scope : new String[] {"task", "any"}) {
                    Params params = Params.of().set("worker_id", "plan-it").set("lease_millis", 60_000L).set("limit", 10);
                    if (scope.equals("task")) {
                        params.set("task_id", task.id());
                    }
                    Bound claim = ClaimStatements.CLAIM.render(tables.identifiers(), Set.of(scope)).bind(params);
                    JsonNode plan = explain(c, claim);
                    assertThat(rowsOfSteps(plan)).as("rows of steps read by the %s claim's scans", scope).isLessThanOrEqualTo(4L * NEW);
                    assertThat(count(plan, "Actual Rows", "ModifyTable")).as("steps the %s claim took", scope).isPositive();
                }
                Bound probe = new Bound("SELECT t.id FROM unnest(ARRAY[" + task.id() + "]) AS t(id) WHERE NOT EXISTS (SELECT 1 FROM "
                        + q + "steps s WHERE s.task_id = t.id AND s.status IN ('new', 'active'))", new Object[0]);
                assertThat(rowsOfSteps(explain(c, probe))).as("rows of steps read by mayBeDone's probe").isLessThanOrEqualTo(4L * NEW);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    private static JsonNode explain(Connection c, Bound sql) throws Exception {
        try (PreparedStatement ps = new Bound("EXPLAIN (ANALYZE, FORMAT JSON) " + sql.text(), sql.values()).prepare(c);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new ObjectMapper().readTree(rs.getString(1));
        }
    }

    /** Rows that scans of steps returned or filtered out (times their loops), over every node of the plan. */
    private static long rowsOfSteps(JsonNode node) {
        long total = 0;
        if (node.path("Relation Name").asText().equals("steps") && node.path("Node Type").asText().contains("Scan")) {
            total += (node.path("Actual Rows").asLong(0) + node.path("Rows Removed by Filter").asLong(0)
                    + node.path("Rows Removed by Index Recheck").asLong(0)) * Math.max(1, node.path("Actual Loops").asLong(1));
        }
        for (JsonNode child : node) {
            if (child.isContainerNode()) {
                total += rowsOfSteps(child);
            }
        }
        return total;
    }

    private static long count(JsonNode node, String field, String type) {
        long total = type.equals(node.path("Node Type").asText()) ? node.path(field).asLong(0) : 0;
        for (JsonNode child : node) {
            if (child.isContainerNode()) {
                total += count(child, field, type);
            }
        }
        return total;
    }
}
