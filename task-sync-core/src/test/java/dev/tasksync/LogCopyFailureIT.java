package dev.tasksync;

import dev.tasksync.testing.DelegatingDataSource;
import dev.tasksync.testing.LogFixture;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

import javax.sql.DataSource;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The full log's COPY, kept open across batches, failing against the real database: once as it ends (nothing of
 * it is stored) and once as a batch is sent (the COPY is given up); either way the writer sends every row again in
 * a new COPY, and every line is stored exactly once.
 */
class LogCopyFailureIT {
    /** Connections whose COPYs fail once: the {@code failAt}-th call of {@code method} on a COPY throws. */
    static final class FailingCopies {
        final String method;
        final int failAt;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger copies = new AtomicInteger();

        FailingCopies(String method, int failAt) {
            this.method = method;
            this.failAt = failAt;
        }

        DataSource dataSource() {
            return DelegatingDataSource.over(TestDatabase.dataSource(), this::failing);
        }

        private Connection failing(Connection c) throws SQLException {
            PGConnection pg = c.unwrap(PGConnection.class);
            CopyManager copyApi = new CopyManager(c.unwrap(BaseConnection.class)) {
                @Override
                public CopyIn copyIn(String sql) throws SQLException {
                    copies.incrementAndGet();
                    CopyIn in = super.copyIn(sql);
                    return (CopyIn) Proxy.newProxyInstance(CopyIn.class.getClassLoader(), new Class<?>[]{CopyIn.class},
                            (proxy, m, args) -> {
                                if (m.getName().equals(method) && calls.incrementAndGet() == failAt) {
                                    in.cancelCopy(); // what a broken connection leaves: nothing of this COPY stored
                                    throw new SQLException("injected failure of " + method, "08006");
                                }
                                return DelegatingDataSource.call(in, m, args);
                            });
                }
            };
            Object pgProxy = Proxy.newProxyInstance(PGConnection.class.getClassLoader(), new Class<?>[]{PGConnection.class},
                    (proxy, m, args) -> m.getName().equals("getCopyAPI") ? copyApi : DelegatingDataSource.call(pg, m, args));
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                    (proxy, m, args) -> {
                        if (m.getName().equals("unwrap") && args[0] == PGConnection.class) {
                            return pgProxy;
                        }
                        return DelegatingDataSource.call(c, m, args);
                    });
        }
    }

    @RegisterExtension
    final LogFixture logs = new LogFixture();

    /** 20 MB: more than one batch of 16 MiB, sent into one open COPY. */
    private static final int LINES = 200_000;

    private void everyLineStoredOnceDespite(FailingCopies failing) {
        TaskSync ts = logs.use(TaskSync.builder().dataSource(failing.dataSource()).schema(TestDatabase.newSchema())
                .stepType(FullLogIT.printType()).logs(LogOptions.defaults()).build());
        Task task = ts.save(TaskDefinition.named("t").step("p", FullLogIT.print(LINES, 100, false)).build());
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        int id = logs.stepOf(task);

        assertThat(failing.calls.get()).as("the injected failure happened").isGreaterThanOrEqualTo(failing.failAt);
        assertThat(failing.copies.get()).as("a new COPY after the failed one").isGreaterThanOrEqualTo(2);
        List<LogLine> lines = logs.lines(id, 1);
        LogFixture.allPrinted(lines, LINES); // each line once, in order
        assertThat(ts.logBytes(id, 1)).isEqualTo(lines.stream().mapToLong(l -> l.text().length() + 1).sum());
    }

    @Test
    void aCopyThatFailsAsItEndsIsSentAgainWhole() {
        everyLineStoredOnceDespite(new FailingCopies("endCopy", 1));
    }

    @Test
    void aCopyThatFailsAsABatchIsSentIsSentAgainWhole() {
        // writeToCopy: 1 the header, 2 the first batch, 3 the second batch (the COPY then holds the first)
        everyLineStoredOnceDespite(new FailingCopies("writeToCopy", 3));
    }
}
