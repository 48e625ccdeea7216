package dev.tasksync.internal.console;

import dev.tasksync.DatabaseException;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskSync;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the live columns of a task's steps: all of them once, then only the rows written since the last read.
 * A read of every row of a 10,000-step task four times a second (ids, titles, the type out of each step's settings
 * JSON, times parsed from text) took the console's thread more CPU than the run it watched took in its own threads
 * (JFR of BENCHMARKS.md row 18c), and PostgreSQL the same again.
 *
 * <p>"Written since" is exact, not a clock with a margin: each read also returns the oldest transaction still in
 * progress at its snapshot ({@code pg_snapshot_xmin}); every row version a later read can see that this one could
 * not was written by that transaction or a newer one, so the next read asks for rows whose {@code xmin} is at least
 * that old. {@code age()} compares the 32-bit ids across wraparound; a frozen row's age is the maximum, so it is left
 * out, as it should be (nothing changed it since it was frozen). Rows may come back unchanged (a heartbeat, a
 * transaction still open at the last read): the caller compares them with what it had.
 */
final class StepStates {
    /** One read: the task's status, the rows read, and what the next read passes as {@code since}. */
    record Read(String taskStatus, List<StepState> steps, long since) {
    }

    private static final String COLUMNS = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text, t.status,"
            + " s.id, s.status, s.attempt, s.started_at, s.finished_at FROM %1$s.tasks t LEFT JOIN %1$s.steps s"
            + " ON s.task_id = t.id";
    private final DataSource dataSource;
    private final String all;
    private final String written;

    StepStates(TaskSync taskSync) {
        this.dataSource = taskSync.dataSource();
        String schema = "\"" + taskSync.schema().replace("\"", "\"\"") + "\"";
        this.all = String.format(COLUMNS, schema) + " WHERE t.id = ? ORDER BY s.id";
        this.written = String.format(COLUMNS, schema) + " AND age(s.xmin) <= age(CAST(? AS xid)) WHERE t.id = ? ORDER BY s.id";
    }

    /** Every step of the task; empty if there is no such task. */
    Optional<Read> all(int taskId) {
        return read(all, null, taskId);
    }

    /** The steps written since the read that returned {@code since} (and possibly a few more); empty if the task is gone. */
    Optional<Read> writtenSince(int taskId, long since) {
        return read(written, since, taskId);
    }

    private Optional<Read> read(String sql, Long since, int taskId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (since != null) {
                ps.setString(i++, Long.toString(since & 0xFFFF_FFFFL)); // an xid is the low 32 bits of an xid8
            }
            ps.setInt(i, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long next = Long.parseLong(rs.getString(1));
                String taskStatus = rs.getString(2);
                List<StepState> steps = new ArrayList<>();
                do {
                    int id = rs.getInt(3);
                    if (!rs.wasNull()) {
                        steps.add(new StepState(id, StepStatus.fromDb(rs.getString(4)), rs.getInt(5), time(rs, 6), time(rs, 7)));
                    }
                } while (rs.next());
                return Optional.of(new Read(taskStatus, steps, next));
            }
        } catch (SQLException e) {
            throw new DatabaseException("console: " + e.getMessage(), e.getSQLState(), e);
        }
    }

    /** In the JVM's zone, as jOOQ gives the pages' times (the driver sets the session's zone to the JVM's). */
    private static OffsetDateTime time(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.atZoneSameInstant(ZoneId.systemDefault()).toOffsetDateTime();
    }
}
