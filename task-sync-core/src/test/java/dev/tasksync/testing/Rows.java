package dev.tasksync.testing;

import dev.tasksync.TaskSync;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads whole tables as plain rows, to compare the database before and after an operation. */
public final class Rows {
    private Rows() {
    }

    public static List<Map<String, Object>> of(TaskSync ts, String table) {
        try (Connection c = ts.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM " + ts.schema() + "." + table + " ORDER BY 1, 2")) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.put(md.getColumnName(i), v == null ? null : v.toString());
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every row of tasks, steps and step_dependencies. */
    public static Map<String, List<Map<String, Object>>> snapshot(TaskSync ts) {
        Map<String, List<Map<String, Object>>> all = new LinkedHashMap<>();
        for (String table : List.of("tasks", "steps", "step_dependencies", "step_runs")) {
            all.put(table, of(ts, table));
        }
        return all;
    }

    public static int execute(TaskSync ts, String sql) {
        try (Connection c = ts.dataSource().getConnection(); Statement s = c.createStatement()) {
            return s.executeUpdate(sql.replace("${schema}", ts.schema()));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Leaves a submitted step as a worker killed mid-step leaves it: active, attempt 1 open since five seconds
     * ago, its lease held by {@code dead-worker} and expired.
     */
    public static void orphan(TaskSync ts, int stepId) {
        execute(ts, "UPDATE ${schema}.steps SET status = 'active', attempt = 1, lease_owner = 'dead-worker', "
                + "lease_expires_at = now() - interval '1 second', started_at = now() - interval '5 seconds' WHERE id = " + stepId);
        execute(ts, "INSERT INTO ${schema}.step_runs (step_id, attempt, worker_id, started_at) "
                + "VALUES (" + stepId + ", 1, 'dead-worker', now() - interval '5 seconds')");
    }

    public static List<Map<String, Object>> query(TaskSync ts, String sql) {
        try (Connection c = ts.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql.replace("${schema}", ts.schema()))) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnName(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
