package dev.tasksync.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasksync.ConnectionPool;
import dev.tasksync.TaskSync;
import dev.tasksync.embedded.EmbeddedServer;
import dev.tasksync.spi.StepType;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** One embedded PostgreSQL and a scratch directory shared by every benchmark of a run. */
final class Env implements AutoCloseable {
    final Config config;
    final Path workDir;
    final EmbeddedServer server;
    final HikariDataSource pool;
    /** The pool as TaskSync sees it: counting statements and commits. */
    final Counting counting;
    private final boolean ownWorkDir;
    private final AtomicInteger schemas = new AtomicInteger();

    Env(Config config) throws IOException {
        this.config = config;
        this.ownWorkDir = config.workDir() == null;
        this.workDir = ownWorkDir ? Files.createTempDirectory("task-sync-bench") : Files.createDirectories(config.workDir());
        // durable, like a user's embedded server: the figures are what users get
        this.server = EmbeddedServer.start(workDir.resolve("postgres-" + System.nanoTime()), 0);
        this.pool = ConnectionPool.open(server.jdbcUrl(), server.user(), server.password(), 16);
        this.counting = new Counting(pool);
    }

    /** A TaskSync on its own, freshly migrated schema of the shared server. */
    TaskSync taskSync(int concurrency, StepType<?>... types) {
        return TaskSync.builder().dataSource(counting).schema("bench_" + schemas.incrementAndGet())
                .stepType(types).concurrency(concurrency).build();
    }

    /**
     * As {@link #taskSync}, over the pool itself rather than {@link #counting} (its proxies wrap every connection and
     * statement): for rows set beside a peer that runs over a plain HikariCP pool, and count no statements.
     */
    TaskSync uncountedTaskSync(int concurrency, StepType<?>... types) {
        return TaskSync.builder().dataSource(pool).schema("bench_" + schemas.incrementAndGet())
                .stepType(types).concurrency(concurrency).build();
    }

    Connection connection() throws SQLException {
        return pool.getConnection();
    }

    String postgresVersion() {
        try (Connection c = connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return "PostgreSQL " + rs.getString(1) + " (embedded, zonky binaries)";
        } catch (SQLException e) {
            return "PostgreSQL (version unknown: " + e.getMessage() + ")";
        }
    }

    /** Transactions committed on the server so far (from pg_stat_database; flushed statistics, approximate). */
    long commits() {
        try (Connection c = connection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rs = s.executeQuery(
                    "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        try {
            pool.close();
        } finally {
            server.close();
            if (ownWorkDir) {
                deleteTree(workDir);
            }
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e.getMessage());
        }
    }
}
