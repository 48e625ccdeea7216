package dev.tasksync.testing;

import dev.tasksync.TaskSync;
import dev.tasksync.embedded.EmbeddedServer;
import dev.tasksync.ConnectionPool;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The PostgreSQL tests run against: {@code TASKSYNC_TEST_DB_URL} (with {@code TASKSYNC_TEST_DB_USER} and
 * {@code TASKSYNC_TEST_DB_PASSWORD}) when set, otherwise one embedded server per test JVM. Each test
 * isolates itself in a fresh schema.
 */
public final class TestDatabase {
    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static DataSource shared;
    private static String url;
    private static String embeddedPassword;

    private TestDatabase() {
    }

    public static synchronized DataSource dataSource() {
        if (shared == null) {
            String external = System.getenv("TASKSYNC_TEST_DB_URL");
            if (external != null && !external.isBlank()) {
                url = external;
                shared = ConnectionPool.open(external, System.getenv("TASKSYNC_TEST_DB_USER"),
                        System.getenv("TASKSYNC_TEST_DB_PASSWORD"), 16);
            } else {
                try {
                    Path dir = Files.createTempDirectory("task-sync-test-pg");
                    // the one test server may skip fsync: its data is thrown away with the JVM
                    EmbeddedServer server = EmbeddedServer.start(dir.resolve("data"), 0, EmbeddedServer.Durability.THROWAWAY);
                    url = server.jdbcUrl();
                    embeddedPassword = server.password();
                    shared = ConnectionPool.open(url, server.user(), embeddedPassword, 16);
                    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return shared;
    }

    /** The JDBC URL of the test server (its user and password: {@link #user()}, {@link #password()}). */
    public static synchronized String jdbcUrl() {
        dataSource();
        return url;
    }

    /** The test server's user. */
    public static String user() {
        return external() ? System.getenv("TASKSYNC_TEST_DB_USER") : EmbeddedServer.USER;
    }

    /** The test server's password (the embedded one's is generated when it starts). */
    public static synchronized String password() {
        if (external()) {
            return System.getenv("TASKSYNC_TEST_DB_PASSWORD");
        }
        dataSource();
        return embeddedPassword;
    }

    private static boolean external() {
        String external = System.getenv("TASKSYNC_TEST_DB_URL");
        return external != null && !external.isBlank();
    }

    /** A schema name no other test uses. */
    public static String newSchema() {
        return "test_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
    }

    /** A builder on the test database, in a fresh schema. */
    public static TaskSync.Builder builder() {
        return TaskSync.builder().dataSource(dataSource()).schema(newSchema());
    }

    /** A TaskSync on the test database, in a fresh schema, migrated. */
    public static TaskSync open() {
        return builder().build();
    }
}
