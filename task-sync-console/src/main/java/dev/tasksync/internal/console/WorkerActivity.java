package dev.tasksync.internal.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.DatabaseException;
import dev.tasksync.JsonShapes;
import dev.tasksync.RegisteredWorker;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskSync;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The workers page's data: the registered workers and the steps each one holds the lease of now. */
public final class WorkerActivity {
    private WorkerActivity() {
    }

    /** A step a worker runs now: it holds the step's lease (steps.lease_owner is the worker's id). */
    public record Running(int stepId, int taskId, String taskName, String title, int attempt, OffsetDateTime startedAt) {
    }

    /** A worker and what it runs. */
    public record WorkerRow(RegisteredWorker worker, List<Running> running) {
        public String state() {
            return worker.live() ? "live" : worker.stoppedAt() != null ? "stopped" : "gone";
        }
    }

    /** The workers page's model. */
    public record WorkersPage(Viewer viewer, List<WorkerRow> rows) {
    }

    /** The API's shape: {@code worker list --json}'s fields and {@code running}, the steps it holds now. */
    static ArrayNode json(List<WorkerRow> rows) {
        ArrayNode a = ApiJson.MAPPER.createArrayNode();
        for (WorkerRow row : rows) {
            ObjectNode n = JsonShapes.worker(row.worker());
            a.add(n);
            ArrayNode running = n.putArray("running");
            for (Running r : row.running()) {
                running.addObject().put("step_id", r.stepId()).put("task_id", r.taskId()).put("task_name", r.taskName())
                        .put("title", r.title()).put("attempt", r.attempt()).put("started_at", ApiJson.time(r.startedAt()));
            }
        }
        return a;
    }

    static List<WorkerRow> of(TaskSync ts) {
        List<RegisteredWorker> workers = ts.workers();
        Map<String, List<Running>> byOwner = running(ts, workers.stream().map(RegisteredWorker::id).toArray(String[]::new));
        return workers.stream().map(w -> new WorkerRow(w, byOwner.getOrDefault(w.id(), List.of()))).toList();
    }

    private static Map<String, List<Running>> running(TaskSync ts, String[] owners) {
        Map<String, List<Running>> byOwner = new HashMap<>();
        if (owners.length == 0) {
            return byOwner;
        }
        String schema = "\"" + ts.schema().replace("\"", "\"\"") + "\".";
        String sql = "SELECT s.lease_owner, s.id, s.task_id, t.name, s.title, s.attempt, s.started_at FROM " + schema + "steps s"
                + " JOIN " + schema + "tasks t ON t.id = s.task_id"
                + " WHERE s.status = ? AND s.lease_owner = ANY (?) ORDER BY s.started_at, s.id";
        try (Connection c = ts.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, StepStatus.ACTIVE.dbValue());
            ps.setArray(2, c.createArrayOf("text", owners));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byOwner.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Running(rs.getInt(2), rs.getInt(3),
                            rs.getString(4), rs.getString(5), rs.getInt(6), rs.getObject(7, OffsetDateTime.class)));
                }
            }
        } catch (SQLException e) {
            throw new DatabaseException("console: " + e.getMessage(), e.getSQLState(), e);
        }
        return byOwner;
    }
}
