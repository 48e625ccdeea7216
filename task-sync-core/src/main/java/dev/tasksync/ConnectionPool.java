package dev.tasksync;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The connection pool task-sync opens for a JDBC URL ({@link TaskSync#connect(String, String, String)}, the
 * embedded server, the CLI): HikariCP, with the settings the engine's statements want. Not used for a
 * DataSource a caller passes in.
 */
public final class ConnectionPool {
    private ConnectionPool() {
    }

    /**
     * A pool of at most {@code size} connections to {@code jdbcUrl}; close it when done. Fails with a
     * {@link TaskSyncException} (without the password) when the database cannot be reached.
     */
    public static HikariDataSource open(String jdbcUrl, String user, String password, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(1);
        config.setPoolName("task-sync");
        config.setConnectionTimeout(10_000);
        // The engine's claim and outcome statements run thousands of times with other ids: plan them
        // once per connection (generic plan) instead of on every execution, which costs more than
        // running them. Only statements the driver prepares on the server (used 5+ times) are affected.
        config.addDataSourceProperty("options", "-c plan_cache_mode=force_generic_plan");
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            // the URL may carry a password (…?password=, user:pass@): never in the message
            throw new TaskSyncException("cannot connect to " + Redaction.redact(jdbcUrl, password) + ": "
                    + Redaction.redact(String.valueOf(e.getMessage()), password), e);
        }
    }
}
