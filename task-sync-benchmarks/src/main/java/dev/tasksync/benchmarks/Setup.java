package dev.tasksync.benchmarks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskDefinition.StepDefinition;
import dev.tasksync.TaskSync;
import dev.tasksync.TaskStatus;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a large definition's rows in a few bulk statements: the same rows {@link TaskSync#save}
 * writes (the specification's JSON with {@code depends_on} ids, plus the dependency rows), without
 * three round trips per step. Setting up 10,000-step tasks is not what is measured; the bench still
 * validates the result through {@link TaskSync#plan}. Falls back to {@code save} when the schema
 * is not what this expects.
 */
final class Setup {
    private Setup() {
    }

    /** Writes the rows and gathers planner statistics, as autovacuum does on a live database within a minute. */
    static Task create(Env env, TaskSync ts, TaskDefinition definition) {
        return create(env, ts, definition, true);
    }

    static Task create(Env env, TaskSync ts, TaskDefinition definition, boolean analyze) {
        if (definition.steps().size() < 200) {
            return analyzed(env, ts, ts.save(definition), analyze);
        }
        Task task = ts.createTask(definition.name(), TaskStatus.NEW.dbValue(), definition.localPath());
        try (Connection c = env.connection()) {
            c.setAutoCommit(false);
            String schema = ts.schema();
            int n = definition.steps().size();
            Integer[] ids = new Integer[n];
            try (PreparedStatement ps = c.prepareStatement("SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)")) {
                ps.setString(1, schema + ".steps");
                ps.setInt(2, n);
                try (ResultSet rs = ps.executeQuery()) {
                    for (int i = 0; i < n; i++) {
                        rs.next();
                        ids[i] = rs.getInt(1);
                    }
                }
            }
            Map<String, Integer> byTitle = new HashMap<>();
            for (int i = 0; i < n; i++) {
                byTitle.put(definition.steps().get(i).title(), ids[i]);
            }
            String[] titles = new String[n];
            String[] settings = new String[n];
            List<Integer> from = new ArrayList<>();
            List<Integer> to = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                StepDefinition s = definition.steps().get(i);
                titles[i] = s.title();
                ObjectNode value = (ObjectNode) s.settings().toJson();
                if (!s.dependsOn().isEmpty()) {
                    ArrayNode deps = value.putArray("depends_on");
                    for (String d : s.dependsOn()) {
                        int dep = byTitle.get(d);
                        deps.addObject().put("id", dep);
                        from.add(ids[i]);
                        to.add(dep);
                    }
                }
                settings[i] = JsonNodeFactory.instance.objectNode().set(s.settings().type(), value).toString();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".steps (id, task_id, title, status, settings) "
                    + "SELECT id, ?, title, '" + StepStatus.NEW.dbValue() + "', settings::jsonb FROM unnest(?::int[], ?::text[], ?::text[]) AS u(id, title, settings)")) {
                ps.setInt(1, task.id());
                ps.setArray(2, c.createArrayOf("int4", ids));
                ps.setArray(3, c.createArrayOf("text", titles));
                ps.setArray(4, c.createArrayOf("text", settings));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".step_dependencies (step_id, depends_on_id) "
                    + "SELECT * FROM unnest(?::int[], ?::int[])")) {
                ps.setArray(1, c.createArrayOf("int4", from.toArray()));
                ps.setArray(2, c.createArrayOf("int4", to.toArray()));
                ps.executeUpdate();
            }
            c.commit();
        } catch (SQLException e) {
            System.out.println("  (bulk set-up failed: " + e.getMessage().split("\n")[0] + "; saving step by step)");
            ts.deleteTask(task.id());
            return analyzed(env, ts, ts.save(definition), analyze);
        }
        if (ts.plan(task.id()).toRun().size() != definition.steps().size()) {
            throw new IllegalStateException("bulk set-up of " + definition.name() + " is not what save() would write");
        }
        return analyzed(env, ts, task, analyze);
    }

    private static Task analyzed(Env env, TaskSync ts, Task task, boolean analyze) {
        if (!analyze) {
            return task;
        }
        try (Connection c = env.connection(); var s = c.createStatement()) {
            s.execute("ANALYZE " + ts.schema() + ".steps");
            s.execute("ANALYZE " + ts.schema() + ".step_dependencies");
        } catch (SQLException e) {
            throw new IllegalStateException("ANALYZE failed: " + e.getMessage(), e);
        }
        return task;
    }
}
