package dev.tasksync.internal.store;

import dev.tasksync.DatabaseException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.jooq.ConnectionCallable;
import org.jooq.DSLContext;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.TransactionContext;
import org.jooq.TransactionProvider;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DefaultConfiguration;
import org.jooq.impl.DefaultTransactionProvider;
import org.jooq.SQLDialect;
import org.jooq.conf.MappedSchema;
import org.jooq.conf.RenderMapping;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.sql.Connection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.ConnectionProvider;

/** jOOQ and Flyway set up for one schema. */
public final class Database {
    public static final String MIGRATIONS = "classpath:dev/tasksync/db/migration";
    public static final String HISTORY_TABLE = "tasksync_schema_history";

    private Database() {
    }

    /** A DSLContext whose generated (schema-less) tables render in {@code schema}. */
    public static DSLContext dsl(DataSource dataSource, String schema) {
        Settings settings = new Settings()
                .withExecuteLogging(false)
                .withRenderMapping(new RenderMapping()
                        .withSchemata(new MappedSchema().withInput("").withOutput(schema)));
        AutoCommitConnections connections = new AutoCommitConnections(dataSource);
        return DSL.using(new DefaultConfiguration()
                .set(connections)
                .set(SQLDialect.POSTGRES)
                .set(settings)
                .set(new Failures())
                .set(new FailingTransactions(new DefaultTransactionProvider(connections))));
    }

    /**
     * The one translation of database failures: jOOQ's {@link DataAccessException} (or a bare
     * {@link SQLException}) becomes a {@link DatabaseException} that keeps it as the cause, with its SQLSTATE.
     */
    public static DatabaseException failure(Throwable e) {
        if (e instanceof DatabaseException d) {
            return d;
        }
        SQLException sql = null;
        for (Throwable c = e; c != null && sql == null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException found) {
                sql = found;
            }
        }
        // The database's own words; jOOQ's message prefixes the statement's text, which the cause still holds.
        return sql == null ? new DatabaseException(e.getMessage(), null, e)
                : new DatabaseException(sql.getMessage(), sql.getSQLState(), e);
    }

    /** Runs {@code body} on a connection of {@code dsl}, translating what it throws (see {@link #failure}). */
    public static <T> T onConnection(DSLContext dsl, ConnectionCallable<T> body) {
        return dsl.connectionResult(c -> {
            try {
                return body.run(c);
            } catch (SQLException | DataAccessException e) {
                throw failure(e);
            }
        });
    }

    /** Replaces the exception of a failed statement (jOOQ calls it for every statement it executes). */
    static final class Failures implements ExecuteListener {
        @Override
        public void exception(ExecuteContext ctx) {
            if (ctx.exception() instanceof DataAccessException e) {
                ctx.exception(failure(e));
            }
        }
    }

    /** Begin, commit and rollback run outside any statement's listener: their failures are translated here. */
    static final class FailingTransactions implements TransactionProvider {
        private final TransactionProvider delegate;

        FailingTransactions(TransactionProvider delegate) {
            this.delegate = delegate;
        }

        @Override
        public void begin(TransactionContext ctx) {
            translated(() -> delegate.begin(ctx));
        }

        @Override
        public void commit(TransactionContext ctx) {
            translated(() -> delegate.commit(ctx));
        }

        @Override
        public void rollback(TransactionContext ctx) {
            translated(() -> delegate.rollback(ctx));
        }

        private static void translated(Runnable step) {
            try {
                step.run();
            } catch (DataAccessException e) {
                throw failure(e);
            }
        }
    }

    /**
     * Hands out the DataSource's connections in autocommit mode, whatever the pool's default: a
     * statement outside a transaction is then committed by itself instead of being rolled back when
     * the connection goes back (jOOQ's transactions turn autocommit off and back on). A connection
     * that was not in autocommit mode is put back as it was.
     */
    static final class AutoCommitConnections implements ConnectionProvider {
        private final DataSource dataSource;
        private final Set<Connection> switched = ConcurrentHashMap.newKeySet();

        AutoCommitConnections(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        @Override
        public Connection acquire() {
            try {
                Connection c = dataSource.getConnection();
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                    switched.add(c);
                }
                return c;
            } catch (SQLException e) {
                throw new DatabaseException("could not get a connection: " + e.getMessage(), e.getSQLState(), e);
            }
        }

        @Override
        public void release(Connection c) {
            try {
                if (switched.remove(c)) {
                    c.setAutoCommit(false);
                }
                c.close();
            } catch (SQLException e) {
                throw new DatabaseException("could not release a connection: " + e.getMessage(), e.getSQLState(), e);
            }
        }
    }

    private static Flyway flyway(DataSource dataSource, String schema) {
        return Flyway.configure()
                .dataSource(dataSource)
                .schemas(schema)
                .defaultSchema(schema)
                .table(HISTORY_TABLE)
                .locations(MIGRATIONS)
                .loggers("slf4j")
                .load();
    }

    /** Applies pending migrations; returns how many were applied (0 when up to date). */
    public static int migrate(DataSource dataSource, String schema) {
        return flyway(dataSource, schema).migrate().migrationsExecuted;
    }

    /**
     * One line per known migration: version, description, state. Flyway's own row for creating the schema
     * (no version, described as {@code << Flyway Schema Creation >>}) reads {@code -    schema created}.
     */
    public static List<String> status(DataSource dataSource, String schema) {
        return Arrays.stream(flyway(dataSource, schema).info().all())
                .map((MigrationInfo m) -> "SCHEMA".equals(m.getType().name()) || m.getVersion() == null
                        ? String.format("%-4s %-28s %s", "-", "schema created", m.getState().getDisplayName())
                        : String.format("%-4s %-28s %s", m.getVersion(), m.getDescription(), m.getState().getDisplayName()))
                .toList();
    }
}
