package dev.tasksync;

import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The full log through a pool whose connections are not PostgreSQL's own driver (a wrapper that does not unwrap to
 * {@link PGConnection}): its chunks go in multi-row INSERTs instead of COPY, against the real database.
 */
class LogInsertFallbackIT {
    /** A DataSource over the test database whose connections hide pgjdbc, and count the times they were asked. */
    static final class HidingDataSource implements DataSource {
        final DataSource real;
        final AtomicInteger asked = new AtomicInteger();

        HidingDataSource(DataSource real) {
            this.real = real;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return hide(real.getConnection());
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return hide(real.getConnection(user, password));
        }

        private Connection hide(Connection c) {
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("isWrapperFor") && args[0] == PGConnection.class) {
                            asked.incrementAndGet();
                            return false;
                        }
                        if (method.getName().equals("unwrap") && args[0] == PGConnection.class) {
                            throw new SQLException("not a wrapper for " + args[0]);
                        }
                        try {
                            return method.invoke(c, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override public PrintWriter getLogWriter() throws SQLException { return real.getLogWriter(); }
        @Override public void setLogWriter(PrintWriter out) throws SQLException { real.setLogWriter(out); }
        @Override public void setLoginTimeout(int seconds) throws SQLException { real.setLoginTimeout(seconds); }
        @Override public int getLoginTimeout() throws SQLException { return real.getLoginTimeout(); }
        @Override public Logger getParentLogger() throws SQLFeatureNotSupportedException { return real.getParentLogger(); }
        @Override public <T> T unwrap(Class<T> iface) throws SQLException { throw new SQLException("not a wrapper"); }
        @Override public boolean isWrapperFor(Class<?> iface) { return false; }
    }

    TaskSync ts;

    @AfterEach
    void close() {
        if (ts != null) {
            ts.close();
        }
    }

    private int stepOf(Task task) {
        return ts.steps(task.id()).get(0).id();
    }

    @Test
    void withoutPgjdbcEveryLineIsStoredByInsertInSeveralChunks() {
        HidingDataSource hiding = new HidingDataSource(TestDatabase.dataSource());
        ts = TaskSync.builder().dataSource(hiding).schema(TestDatabase.newSchema())
                .stepType(new FullLogIT.PrintType()).logs(LogOptions.defaults()).build();
        Task task = ts.save(TaskDefinition.named("t").step("p", FullLogIT.print(30_000, 100, false)).build()); // 3 MB
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        int id = stepOf(task);

        assertThat(hiding.asked.get()).as("the writer asked for pgjdbc and was told no").isPositive();
        List<LogLine> lines = ts.logs(id, 1).toList();
        assertThat(lines).hasSize(30_000);
        assertThat(lines.get(0).text()).startsWith("line 1 ");
        assertThat(lines.get(29_999).text()).startsWith("line 30000 ");
        assertThat(lines.get(9).stream()).isEqualTo(LogLine.Stream.STDERR);
        assertThat(lines.stream().filter(l -> l.stream() == LogLine.Stream.STDERR)).hasSize(3_000);
        long rows = ((Number) Rows.query(ts, "SELECT count(*) AS n FROM ${schema}.step_log_chunks WHERE step_id = " + id)
                .get(0).get("n")).longValue();
        assertThat(rows).isGreaterThan(1);
    }

    @Test
    void withoutPgjdbcTheCapDropsTheMiddleAndDeletesRolledOutChunks() {
        HidingDataSource hiding = new HidingDataSource(TestDatabase.dataSource());
        ts = TaskSync.builder().dataSource(hiding).schema(TestDatabase.newSchema())
                .stepType(new FullLogIT.PrintType()).logs(LogOptions.defaults().withMaxBytesPerAttempt(512 * 1024)).build();
        Task task = ts.save(TaskDefinition.named("t").step("p", FullLogIT.print(20_000, 100, false)).build()); // 2 MB
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        int id = stepOf(task);

        List<String> texts = ts.logs(id, 1).map(LogLine::text).toList();
        assertThat(texts.get(0)).startsWith("line 1 ");
        assertThat(texts.get(texts.size() - 1)).startsWith("line 20000 ");
        List<String> notes = texts.stream().filter(t -> t.contains("left out of the middle of this log")).toList();
        assertThat(notes).hasSize(1);
        long dropped = Long.parseLong(notes.get(0).replaceAll("^\\[\\.\\.\\. (\\d+) lines.*", "$1"));
        assertThat(texts.size() - 1 + dropped).isEqualTo(20_000);
        assertThat(ts.logBytes(id, 1)).isBetween(512L * 1024 - 70 * 1024, 512L * 1024 + 70 * 1024);
    }
}
