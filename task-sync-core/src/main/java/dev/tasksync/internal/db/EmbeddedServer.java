package dev.tasksync.internal.db;

import dev.tasksync.TaskSyncException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The embedded PostgreSQL (real server binaries from Maven Central), data kept in a directory. */
public final class EmbeddedServer implements AutoCloseable {
    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;

    private EmbeddedServer(EmbeddedPostgres postgres, Path dataDirectory) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
    }

    /** {@code $TASKSYNC_HOME}, else the {@code tasksync.home} system property, else {@code ~/.task-sync}. */
    public static Path defaultHome() {
        String env = System.getenv("TASKSYNC_HOME");
        String prop = System.getProperty("tasksync.home");
        String home = prop != null ? prop : env;
        return home != null && !home.isBlank() ? Paths.get(home) : Paths.get(System.getProperty("user.home"), ".task-sync");
    }

    /** Starts a server on a free port whose data lives in {@code dataDirectory} (created when missing). */
    public static EmbeddedServer start(Path dataDirectory, int port) {
        try {
            Files.createDirectories(dataDirectory);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false);
            if (port > 0) {
                builder.setPort(port);
            }
            return new EmbeddedServer(builder.start(), dataDirectory);
        } catch (IOException | RuntimeException e) {
            throw new TaskSyncException("could not start the embedded PostgreSQL with data in " + dataDirectory
                    + ": " + e.getMessage(), e);
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    public int port() {
        return postgres.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new TaskSyncException("could not stop the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }
}
