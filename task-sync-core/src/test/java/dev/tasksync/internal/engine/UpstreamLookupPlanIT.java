package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;
import dev.tasksync.internal.sql.Bound;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.internal.sql.Params;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * s20 (rows 6c, 6e): a claim checks each candidate's upstream steps (runnable's d/u, placed's pd/pu) by looking each
 * up by id, whatever the planner would rather do. Joined, statistics from before the run (guessing few rows) could make
 * that join a merge with steps read from the lowest id, every earlier task's rows once per candidate: on a table of
 * many earlier tasks, workers' claims of 10-60 s. Here the planner is pushed to that choice deterministically (no
 * nested loops, no hash joins, as such statistics make it choose), and the claims' statements, as the engine builds
 * them, must still read steps u and pu only by key. Plans only (EXPLAIN, no ANALYZE): what the planner chose.
 */
class UpstreamLookupPlanIT {
    private static final int HISTORY = 5_000;
    private static final int DEPENDENTS = 200;
    private static final String OWNER = "plan-it";

    @Test
    void theClaimsLookUpEachUpstreamStepByIdEvenWhenThePlannerWouldRatherMergeWithAllOfSteps() throws Exception {
        String schema = TestDatabase.newSchema();
        try (TaskSync ts = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema)
                .stepType(new TestSteps.SleepType()).build();
             Connection c = TestDatabase.dataSource().getConnection()) {
            String q = "\"" + schema + "\".";
            try (Statement s = c.createStatement()) {
                // an earlier task's fan-out, completed
                s.execute("WITH t AS (INSERT INTO " + q + "tasks (name, status) VALUES ('earlier', 'completed') RETURNING id), "
                        + "st AS (INSERT INTO " + q + "steps (task_id, title, status, settings, inputs, attempt) SELECT t.id, 's' || g, "
                        + "'completed', '{\"sleep\":{\"millis\":0}}', '{}', 1 FROM t, generate_series(1, " + HISTORY + ") g RETURNING id) "
                        + "INSERT INTO " + q + "step_dependencies SELECT id, (SELECT min(id) FROM st) FROM st WHERE id > (SELECT min(id) FROM st)");
                s.execute("INSERT INTO " + q + "worker_paths VALUES ('" + OWNER + "', '', true, now())");
            }
            TaskDefinition.Builder def = TaskDefinition.named("fan");
            def.step("root", new TestSteps.Sleep(0));
            for (int i = 0; i < DEPENDENTS; i++) {
                def.step("s" + i, new TestSteps.Sleep(0)).dependsOn("root");
            }
            Task fan = ts.save(def.build());
            try (Statement s = c.createStatement()) {
                s.execute("ANALYZE " + q + "steps, " + q + "step_dependencies"); // before the run, as a run's statistics are
            }
            ts.submit(fan.id());
            List<Integer> ids = new ArrayList<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id FROM " + q + "steps WHERE task_id = " + fan.id() + " ORDER BY id")) {
                while (rs.next()) {
                    ids.add(rs.getInt(1));
                }
            }
            Integer root = ids.get(0);
            Integer[] candidates = ids.subList(1, 17).toArray(Integer[]::new);
            ClaimStatements.Tables tables = new ClaimStatements.Tables(q + "steps", q + "step_runs", q + "step_dependencies",
                    q + "lease_owners", q + "task_runs_on", q + "workers", q + "tasks", q + "worker_paths");
            c.setAutoCommit(false);
            try {
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE " + q + "steps SET status = 'completed' WHERE id = " + root);
                    s.execute("SET LOCAL enable_nestloop = off");
                    s.execute("SET LOCAL enable_hashjoin = off");
                }
                // a worker's loop (any task, or by hints), an outcome's claim, a batch's claims, and the wake-up's probe
                check(c, "claim any", ClaimStatements.CLAIM, tables, Set.of("any", "placed"), claimParams(null));
                check(c, "claim by ids", ClaimStatements.CLAIM, tables, Set.of("ids", "placed"), claimParams(candidates));
                check(c, "recordAndClaim", ClaimStatements.RECORD_AND_CLAIM, tables,
                        Set.of("ids", "placed", "claiming", "completes", "completed_id"), claimParams(candidates)
                                .set("completed_id", root).set("status", "completed").set("results", "{}").set("late_micros", 0L)
                                .set("step_id", root).set("attempt", 1).set("run_outcome", "completed").set("error", null)
                                .set("log_tail", ""));
                check(c, "recordCompletions", ClaimStatements.RECORD_COMPLETIONS, tables,
                        Set.of("any", "placed", "completes", "completed_in_done"), claimParams(null)
                                .set("ids", new Integer[] {root}).set("attempts", new Integer[] {1}).set("results", new String[] {"{}"})
                                .set("log_tails", new String[] {""}).set("late_micros", new Long[] {0L}));
                check(c, "wakeWorkers", ClaimStatements.WAKE_WORKERS, tables, Set.of(), Params.of().set("channel", "plan_it")
                        .set("ids", ids.subList(1, ids.size()).toArray(Integer[]::new)).set("sender", OWNER));
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    private static Params claimParams(Integer[] candidates) {
        Params p = Params.of().set("worker_id", OWNER).set("lease_millis", 60_000L).set("limit", 4)
                .set("labels", "[]").set("facts", "{}");
        return candidates == null ? p : p.set("candidates", candidates);
    }

    /** The statement's plan reads steps as u (runnable) and pu (placed) only by key: an index scan of steps_pkey. */
    private static void check(Connection c, String what, NamedQuery query, ClaimStatements.Tables tables, Set<String> flags,
                              Params params) throws Exception {
        Bound sql = query.render(tables.identifiers(), flags).bind(params);
        List<JsonNode> upstream = new ArrayList<>();
        collect(explain(c, sql), upstream);
        assertThat(upstream).as("%s: the scans of upstream steps in its plan", what).isNotEmpty();
        boolean placed = flags.contains("placed");
        assertThat(upstream.stream().map(n -> n.path("Alias").asText()).distinct().count())
                .as("%s: upstream checks in its plan (runnable's, and placed's)", what).isEqualTo(placed ? 2 : 1);
        for (JsonNode scan : upstream) {
            String alias = scan.path("Alias").asText();
            assertThat(scan.path("Node Type").asText()).as("%s: how it reads %s", what, alias).isEqualTo("Index Scan");
            assertThat(scan.path("Index Name").asText()).as("%s: the index it reads %s by", what, alias).isEqualTo("steps_pkey");
            assertThat(scan.path("Index Cond").asText()).as("%s: the key it looks %s up by", what, alias)
                    .isEqualTo("(id = " + (alias.equals("u") ? "d" : "pd") + ".depends_on_id)");
        }
    }

    /** The plan's scans of steps as u or pu (upstream steps). */
    private static void collect(JsonNode node, List<JsonNode> into) {
        if ("steps".equals(node.path("Relation Name").asText()) && Set.of("u", "pu").contains(node.path("Alias").asText())) {
            into.add(node);
        }
        for (JsonNode child : node) {
            if (child.isContainerNode()) {
                collect(child, into);
            }
        }
    }

    private static JsonNode explain(Connection c, Bound sql) throws Exception {
        try (PreparedStatement ps = new Bound("EXPLAIN (FORMAT JSON) " + sql.text(), sql.values()).prepare(c);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new ObjectMapper().readTree(rs.getString(1));
        }
    }
}
