package dev.tasksync.internal.logs;

import dev.tasksync.internal.store.Database;
import org.jooq.DSLContext;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static dev.tasksync.internal.store.jooq.Tables.STEP_LOG_CHUNKS;

/**
 * Stores an attempt's chunks for its writer thread: through a connection the writer holds while the log keeps
 * coming (given back once it has been idle), each batch one binary {@code COPY}, a single round trip with no
 * statement to parse; the commit does not wait for the WAL flush (the attempt's outcome, recorded after the last
 * chunk, commits synchronously and so makes every chunk before it durable; a crash loses at most the last chunks).
 * Where the pool's connections are not PostgreSQL's own driver, a batch is one multi-row INSERT instead.
 */
final class ChunkRows implements AutoCloseable {
    /** One row to store. */
    record Row(int seq, int lines, int rawBytes, byte[] data) {
    }

    private static final byte[] COPY_SIGNATURE = "PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1);

    private final DSLContext dsl;
    private final int stepId;
    private final int attempt;
    private final String copy;
    private final String delete;
    private Connection connection;
    /** False once the pool's connections turned out not to unwrap to pgjdbc's: INSERT through jOOQ then. */
    private boolean copies = true;

    ChunkRows(DSLContext dsl, int stepId, int attempt) {
        this.dsl = dsl;
        this.stepId = stepId;
        this.attempt = attempt;
        String table = dsl.render(STEP_LOG_CHUNKS);
        this.copy = "COPY " + table + " (step_id, attempt, seq, lines, raw_bytes, data) FROM STDIN (FORMAT binary)";
        this.delete = "DELETE FROM " + table + " WHERE step_id = ? AND attempt = ? AND seq = ANY (?)";
    }

    /** Stores the rows and deletes the chunks of seq {@code deleting} (the rolled-out tail), in one transaction. */
    void store(List<Row> rows, List<Integer> deleting) {
        if (!copies) {
            insert(rows, deleting);
            return;
        }
        try {
            Connection c = connection();
            if (c == null) {
                insert(rows, deleting);
                return;
            }
            boolean transaction = !deleting.isEmpty();
            if (transaction) {
                c.setAutoCommit(false);
            }
            try {
                if (!rows.isEmpty()) {
                    copyIn(c, rows);
                }
                if (transaction) {
                    try (PreparedStatement ps = c.prepareStatement(delete)) {
                        Array seqs = c.createArrayOf("integer", deleting.toArray());
                        ps.setInt(1, stepId);
                        ps.setInt(2, attempt);
                        ps.setArray(3, seqs);
                        ps.executeUpdate();
                    }
                    c.commit();
                }
            } catch (SQLException | RuntimeException e) {
                if (transaction) {
                    c.rollback();
                }
                throw e;
            } finally {
                if (transaction) {
                    c.setAutoCommit(true);
                }
            }
        } catch (SQLException e) {
            release(); // it may be broken: the next try takes another
            throw Database.failure(e);
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    private void copyIn(Connection c, List<Row> rows) throws SQLException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + rows.stream().mapToInt(r -> r.data().length + 50).sum());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(COPY_SIGNATURE);
            out.writeInt(0); // flags
            out.writeInt(0); // no header extension
            for (Row r : rows) {
                out.writeShort(6);
                for (int value : new int[]{stepId, attempt, r.seq(), r.lines(), r.rawBytes()}) {
                    out.writeInt(4);
                    out.writeInt(value);
                }
                out.writeInt(r.data().length);
                out.write(r.data());
            }
            out.writeShort(-1);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from memory
        }
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(copy);
        try {
            in.writeToCopy(bytes.toByteArray(), 0, bytes.size());
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    /** The held connection, taken from the pool (and told not to wait for the WAL) if none is held; null: no COPY. */
    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection c = dsl.configuration().connectionProvider().acquire();
            if (!c.isWrapperFor(PGConnection.class)) {
                dsl.configuration().connectionProvider().release(c);
                copies = false;
                return null;
            }
            try (Statement s = c.createStatement()) {
                s.execute("SET synchronous_commit = off");
            } catch (SQLException e) {
                dsl.configuration().connectionProvider().release(c);
                throw e;
            }
            connection = c;
        }
        return connection;
    }

    /** Gives the held connection back to the pool, as it was (the log is idle, or ended). */
    void release() {
        Connection c = connection;
        if (c == null) {
            return;
        }
        connection = null;
        try (Statement s = c.createStatement()) {
            s.execute("RESET synchronous_commit");
        } catch (SQLException e) {
            // a broken connection: the pool finds out itself
        } finally {
            dsl.configuration().connectionProvider().release(c);
        }
    }

    boolean holding() {
        return connection != null;
    }

    @Override
    public void close() {
        release();
    }

    /** Without pgjdbc: the batch in one INSERT of many rows, in one transaction with the delete. */
    private void insert(List<Row> rows, List<Integer> deleting) {
        dsl.transaction(tx -> {
            tx.dsl().execute("SET LOCAL synchronous_commit = off");
            if (!rows.isEmpty()) {
                var values = tx.dsl().insertInto(STEP_LOG_CHUNKS, STEP_LOG_CHUNKS.STEP_ID, STEP_LOG_CHUNKS.ATTEMPT,
                        STEP_LOG_CHUNKS.SEQ, STEP_LOG_CHUNKS.LINES, STEP_LOG_CHUNKS.RAW_BYTES, STEP_LOG_CHUNKS.DATA);
                for (Row r : rows) {
                    values = values.values(stepId, attempt, r.seq(), r.lines(), r.rawBytes(), r.data());
                }
                values.execute();
            }
            if (!deleting.isEmpty()) {
                tx.dsl().deleteFrom(STEP_LOG_CHUNKS).where(STEP_LOG_CHUNKS.STEP_ID.eq(stepId))
                        .and(STEP_LOG_CHUNKS.ATTEMPT.eq(attempt)).and(STEP_LOG_CHUNKS.SEQ.in(deleting)).execute();
            }
        });
    }
}
