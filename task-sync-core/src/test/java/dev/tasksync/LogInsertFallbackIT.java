package dev.tasksync;

import dev.tasksync.testing.DelegatingDataSource;
import dev.tasksync.testing.LogFixture;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;

import javax.sql.DataSource;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The full log through a pool whose connections are not PostgreSQL's own driver (a wrapper that does not unwrap to
 * {@link PGConnection}): its chunks go in multi-row INSERTs instead of COPY, against the real database.
 */
class LogInsertFallbackIT {
    /** A DataSource over the test database whose connections hide pgjdbc, and count the times they were asked. */
    static final class HidingDataSource {
        final AtomicInteger asked = new AtomicInteger();
        final DataSource dataSource;

        HidingDataSource(DataSource real) {
            dataSource = DelegatingDataSource.over(real, this::hide);
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
                        return DelegatingDataSource.call(c, method, args);
                    });
        }
    }

    @RegisterExtension
    final LogFixture logs = new LogFixture();
    TaskSync ts;

    @Test
    void withoutPgjdbcEveryLineIsStoredByInsertInSeveralChunks() {
        HidingDataSource hiding = new HidingDataSource(TestDatabase.dataSource());
        ts = logs.use(TaskSync.builder().dataSource(hiding.dataSource).schema(TestDatabase.newSchema())
                .stepType(FullLogIT.printType()).logs(LogOptions.defaults()).build());
        Task task = ts.save(TaskDefinition.named("t").step("p", FullLogIT.print(30_000, 100, false)).build()); // 3 MB
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        int id = logs.stepOf(task);

        assertThat(hiding.asked.get()).as("the writer asked for pgjdbc and was told no").isPositive();
        LogFixture.allPrinted(logs.lines(id, 1), 30_000);
        assertThat(logs.chunks(id, 1)).isGreaterThan(1);
    }

    @Test
    void withoutPgjdbcTheCapDropsTheMiddleAndDeletesRolledOutChunks() {
        HidingDataSource hiding = new HidingDataSource(TestDatabase.dataSource());
        ts = logs.use(TaskSync.builder().dataSource(hiding.dataSource).schema(TestDatabase.newSchema())
                .stepType(FullLogIT.printType()).logs(LogOptions.defaults().withMaxBytesPerAttempt(512 * 1024)).build());
        Task task = ts.save(TaskDefinition.named("t").step("p", FullLogIT.print(20_000, 100, false)).build()); // 2 MB
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        int id = logs.stepOf(task);

        LogFixture.capNote(logs.texts(id, 1), 20_000);
        assertThat(ts.logBytes(id, 1)).isBetween(512L * 1024 - 70 * 1024, 512L * 1024 + 70 * 1024);
    }
}
