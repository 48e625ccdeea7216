package dev.tasksync.internal.db;

import dev.tasksync.ConnectionPool;
import dev.tasksync.DatabaseException;
import dev.tasksync.Redaction;
import dev.tasksync.TaskSyncException;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a {@code TaskSync} gets its DataSource: the caller's, a pool on a JDBC URL, or a pool on the embedded
 * server; and how a failure to open is said (the URL and password redacted).
 */
public final class StoreConnection {
    private StoreConnection() {
    }

    /**
     * The caller's {@code dataSource} when given, else a pool of {@code poolSize} on {@code jdbcUrl}, else on the
     * embedded server in {@code embeddedDirectory} (null: the default home). What it opens is added to {@code owned}
     * (the pool first, so it closes before the server it connects to).
     */
    public static DataSource open(DataSource dataSource, String jdbcUrl, String user, String password,
                                  Path embeddedDirectory, int poolSize, List<AutoCloseable> owned) {
        if (dataSource != null) {
            return dataSource;
        }
        if (jdbcUrl != null) {
            var pool = ConnectionPool.open(jdbcUrl, user, password, poolSize);
            owned.add(pool);
            return pool;
        }
        // task-sync-embedded, when it is on the classpath; a clear TaskSyncException when not
        EmbeddedDatabase.Server server = EmbeddedDatabase.open(embeddedDirectory);
        if (server.owned() != null) {
            owned.add(server.owned());
        }
        var pool = ConnectionPool.open(server.jdbcUrl(), server.user(), server.password(), poolSize);
        owned.add(0, pool);
        return pool;
    }

    /** What to throw when opening failed with {@code e}: a TaskSyncException of its own as it is, else one saying so. */
    public static TaskSyncException openFailure(RuntimeException e, String jdbcUrl, String password) {
        if (e instanceof TaskSyncException t && !(e instanceof DatabaseException)) {
            return t;
        }
        return new TaskSyncException("could not open task-sync" + (jdbcUrl != null ? " on " + Redaction.redact(jdbcUrl, password) : "")
                + ": " + Redaction.redact(e.getMessage(), password), e);
    }
}
