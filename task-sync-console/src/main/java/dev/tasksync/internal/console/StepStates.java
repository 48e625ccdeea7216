package dev.tasksync.internal.console;

import dev.tasksync.DatabaseException;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskSync;
import dev.tasksync.internal.sql.Bound;
import dev.tasksync.internal.sql.Params;
import dev.tasksync.internal.sql.Rendered;

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
 * not was written by that transaction or a newer one (every older one had ended when the snapshot was taken: its
 * rows were visible, or are gone). So the next read asks for rows whose {@code written_xid} (V15: the writing
 * transaction's 64-bit id, set by a trigger and indexed with the task's id) is at least that old. A transaction
 * that wrote a step before a read and commits after it is therefore read again until it is seen. Rows may come back
 * unchanged (a heartbeat, a transaction still open at the last read): the caller compares them with what it had.
 * The statements are {@code console.sql}'s ({@link ConsoleSql}).
 */
final class StepStates {
    static final String ALL_STEPS = "allSteps";
    static final String STEPS_WRITTEN_SINCE = "stepsWrittenSince";

    /** One read: the task's status, the rows read, and what the next read passes as {@code since}. */
    record Read(String taskStatus, List<StepState> steps, long since) {
    }

    private final DataSource dataSource;
    private final Rendered all;
    private final Rendered written;

    StepStates(TaskSync taskSync) {
        this.dataSource = taskSync.dataSource();
        ConsoleSql sql = new ConsoleSql(taskSync);
        this.all = sql.statement(ALL_STEPS);
        this.written = sql.statement(STEPS_WRITTEN_SINCE);
    }

    /** Every step of the task; empty if there is no such task. */
    Optional<Read> all(int taskId) {
        return read(all.bind(Params.of().set("task_id", taskId)));
    }

    /** The steps written since the read that returned {@code since} (and possibly a few more); empty if the task is gone. */
    Optional<Read> writtenSince(int taskId, long since) {
        return read(written.bind(Params.of().set("since", Long.toString(since)).set("task_id", taskId)));
    }

    private Optional<Read> read(Bound statement) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = statement.prepare(c);
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            long next = Long.parseLong(rs.getString("next_since"));
            String taskStatus = rs.getString("task_status");
            List<StepState> steps = new ArrayList<>();
            do {
                int id = rs.getInt("id");
                if (!rs.wasNull()) {
                    steps.add(new StepState(id, StepStatus.fromDb(rs.getString("status")), rs.getInt("attempt"),
                            time(rs, "started_at"), time(rs, "finished_at")));
                }
            } while (rs.next());
            return Optional.of(new Read(taskStatus, steps, next));
        } catch (SQLException e) {
            throw new DatabaseException("console: " + e.getMessage(), e.getSQLState(), e);
        }
    }

    /** In the JVM's zone, as jOOQ gives the pages' times (the driver sets the session's zone to the JVM's). */
    private static OffsetDateTime time(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.atZoneSameInstant(ZoneId.systemDefault()).toOffsetDateTime();
    }
}
