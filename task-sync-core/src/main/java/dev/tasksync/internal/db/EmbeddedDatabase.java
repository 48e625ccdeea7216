package dev.tasksync.internal.db;

import dev.tasksync.TaskSyncException;

import java.nio.file.Path;

/**
 * The embedded PostgreSQL behind {@code TaskSync.embedded()}, which lives in the artifact {@value #ARTIFACT}.
 *
 * <p>task-sync-core depends on that module optionally (Maven {@code <optional>}, JPMS {@code requires static}):
 * an application that passes its own DataSource does not get PostgreSQL's binaries, and one that wants the
 * embedded server adds the artifact. Whether it is there is decided by the class {@value #SERVER_CLASS}
 * before anything of it is linked; only {@link EmbeddedStart} names its types.
 */
public final class EmbeddedDatabase {
    /** The artifact to add for the embedded server (groupId:artifactId). */
    public static final String ARTIFACT = "dev.tasksync:task-sync-embedded";
    /** The documented class whose presence means the module is there. */
    static final String SERVER_CLASS = "dev.tasksync.embedded.EmbeddedServer";

    private EmbeddedDatabase() {
    }

    /**
     * A server to connect to.
     *
     * @param owned what closing the TaskSync closes (the server it started), or null for the CLI's shared
     *              server, which keeps running
     */
    public record Server(String jdbcUrl, String user, String password, AutoCloseable owned) {
    }

    /** Whether task-sync-embedded can be loaded by the class loader that loaded task-sync-core. */
    public static boolean available() {
        try {
            Class.forName(SERVER_CLASS, false, EmbeddedDatabase.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The server on {@code dataDirectory} (null: {@code ~/.task-sync/postgres}, or {@code $TASKSYNC_HOME/postgres}):
     * the CLI's shared server when it runs on that directory, else one started for the caller.
     */
    public static Server open(Path dataDirectory) {
        if (!available()) {
            throw new TaskSyncException("the embedded PostgreSQL is not on the classpath: add the dependency "
                    + ARTIFACT + " (managed by dev.tasksync:task-sync-bom; on the module path also"
                    + " --add-modules dev.tasksync.embedded), or pass a database of your own with"
                    + " TaskSync.connect(DataSource) or TaskSync.connect(jdbcUrl, user, password)");
        }
        return EmbeddedStart.open(dataDirectory);
    }
}
