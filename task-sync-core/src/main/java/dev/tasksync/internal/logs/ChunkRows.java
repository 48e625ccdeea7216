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
import java.util.ArrayList;
import java.util.List;

import static dev.tasksync.internal.store.jooq.Tables.STEP_LOG_CHUNKS;

/**
 * Stores an attempt's chunks for its writer thread: through a connection the writer holds while the log keeps
 * coming (given back once it has been idle), in a binary {@code COPY} that stays open while batches come fast
 * ({@link #send}: the server stores them while the writer encodes the next, with no round trip per batch) and ends
 * at {@link #commit} (when its oldest chunk is due to followers, or the log ends); the commit does not wait for the WAL flush (the attempt's outcome, recorded after the last
 * chunk, commits synchronously and so makes every chunk before it durable; a crash loses at most the last chunks).
 * Where the pool's connections are not PostgreSQL's own driver, a batch is one multi-row INSERT instead.
 */
final class ChunkRows implements AutoCloseable {
    /** One row to store. */
    record Row(int seq, int lines, int rawBytes, byte[] data) {
    }

    private static final byte[] COPY_SIGNATURE = "PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1);
    /** Ends a binary COPY: a tuple field count of -1. */
    private static final byte[] COPY_TRAILER = {-1, -1};

    private final DSLContext dsl;
    private final int stepId;
    private final int attempt;
    private final String copy;
    private final String delete;
    private Connection connection;
    /** False once the pool's connections turned out not to unwrap to pgjdbc's: INSERT through jOOQ then. */
    private boolean copies = true;
    /** The COPY open on the held connection, rows {@link #sent} in it but not yet committed. */
    private CopyIn open;
    /** Rows sent since the last commit, kept (compressed) to send again should the COPY fail. */
    private final List<Row> sent = new ArrayList<>();
    private long sentBytes;
    /** A send failed: the COPY was cancelled, and {@link #commit} stores every row sent once more. */
    private boolean broken;

    ChunkRows(DSLContext dsl, int stepId, int attempt) {
        this.dsl = dsl;
        this.stepId = stepId;
        this.attempt = attempt;
        String table = dsl.render(STEP_LOG_CHUNKS);
        this.copy = "COPY " + table + " (step_id, attempt, seq, lines, raw_bytes, data) FROM STDIN (FORMAT binary)";
        this.delete = "DELETE FROM " + table + " WHERE step_id = ? AND attempt = ? AND seq = ANY (?)";
    }

    /**
     * Sends rows in the open COPY, opening one if none is: they are stored once {@link #commit} returns. A failure
     * here is not thrown: the COPY is given up, and the commit sends the rows again.
     */
    void send(List<Row> rows) {
        sent.addAll(rows);
        for (Row r : rows) {
            sentBytes += r.data().length;
        }
        if (broken || !copies || rows.isEmpty()) {
            return; // stored by the commit
        }
        try {
            if (open == null) {
                Connection c = connection();
                if (c == null) {
                    return; // no COPY here: the commit inserts them
                }
                open = c.unwrap(PGConnection.class).getCopyAPI().copyIn(copy);
                byte[] header = copyHeader();
                open.writeToCopy(header, 0, header.length);
            }
            byte[] bytes = copyRows(rows);
            open.writeToCopy(bytes, 0, bytes.length);
        } catch (SQLException | RuntimeException e) {
            broken = true;
            abandon();
        }
    }

    /** Compressed bytes sent and not yet committed (a bound on what is kept to send again). */
    long pendingBytes() {
        return sentBytes;
    }

    /**
     * Ends the open COPY: every row sent since the last commit is stored when this returns. If it throws, nothing
     * of them is (a COPY is one statement), and the next call sends them all again.
     */
    void commit() {
        if (sent.isEmpty()) {
            return;
        }
        if (open != null && !broken) {
            CopyIn in = open;
            open = null;
            try {
                in.writeToCopy(COPY_TRAILER, 0, COPY_TRAILER.length);
                in.endCopy();
            } catch (SQLException e) {
                cancel(in);
                release();
                throw Database.failure(e);
            } catch (RuntimeException e) {
                cancel(in);
                release();
                throw e;
            }
        } else {
            write(sent, List.of());
            broken = false;
        }
        sent.clear();
        sentBytes = 0;
    }

    /** Forgets the rows sent and not committed (their commit failed for good): they are not stored. */
    void discard() {
        sent.clear();
        sentBytes = 0;
        broken = false;
        abandon();
    }

    /** Gives up the open COPY after a failed send (its rows are sent again by the commit). */
    private void abandon() {
        CopyIn in = open;
        open = null;
        if (in != null) {
            cancel(in);
        }
        release();
    }

    private static void cancel(CopyIn in) {
        try {
            if (in.isActive()) {
                in.cancelCopy();
            }
        } catch (SQLException | RuntimeException e) {
            // the connection is given back; the pool finds out whether it is broken
        }
    }

    /**
     * Stores the rows and deletes the chunks of seq {@code deleting} (the rolled-out tail), in one transaction. Rows
     * sent before are committed first.
     */
    void store(List<Row> rows, List<Integer> deleting) {
        commit();
        write(rows, deleting);
    }

    private void write(List<Row> rows, List<Integer> deleting) {
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
        byte[] header = copyHeader();
        byte[] bytes = copyRows(rows);
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(copy);
        try {
            in.writeToCopy(header, 0, header.length);
            in.writeToCopy(bytes, 0, bytes.length);
            in.writeToCopy(COPY_TRAILER, 0, COPY_TRAILER.length);
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    /** The binary COPY's signature, flags and header extension length. */
    private static byte[] copyHeader() {
        byte[] header = new byte[COPY_SIGNATURE.length + 8];
        System.arraycopy(COPY_SIGNATURE, 0, header, 0, COPY_SIGNATURE.length);
        return header; // flags 0, no header extension
    }

    /** The rows in COPY's binary form (the trailer, a field count of -1, goes at the end of the COPY). */
    private byte[] copyRows(List<Row> rows) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(rows.stream().mapToInt(r -> r.data().length + 50).sum());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (Row r : rows) {
                out.writeShort(6);
                for (int value : new int[]{stepId, attempt, r.seq(), r.lines(), r.rawBytes()}) {
                    out.writeInt(4);
                    out.writeInt(value);
                }
                out.writeInt(r.data().length);
                out.write(r.data());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from memory
        }
        return bytes.toByteArray();
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

    /** Gives the held connection back to the pool, as it was (the log is idle, or ended; nothing is pending). */
    void release() {
        if (open != null) {
            abandon(); // a writer that died with rows sent: they are not stored
            return;
        }
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
