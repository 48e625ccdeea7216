package dev.tasksync;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasksync.steps.FileExists;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Database failures reach callers as TaskSyncExceptions (DatabaseException) that keep the cause and SQLSTATE. */
class DatabaseFailureIT {

    @Test
    void aDroppedSchemaFailsEveryCallWithADatabaseException() throws SQLException {
        try (TaskSync ts = TestDatabase.open()) {
            Task task = ts.save(TaskDefinition.named("doomed").step("check", FileExists.of("x")).build());
            try (Connection c = TestDatabase.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + ts.schema() + " CASCADE");
            }

            for (Throwable thrown : new Throwable[]{
                    catchThrowable(ts::tasks),                              // a plain read
                    catchThrowable(() -> ts.createTask("another")),         // a write in a transaction
                    catchThrowable(() -> ts.run(task.id())),                // the engine
                    catchThrowable(() -> ts.cancelTask(task.id()))}) {
                assertThat(thrown).isInstanceOf(DatabaseException.class).isInstanceOf(TaskSyncException.class);
                assertThat(((DatabaseException) thrown).sqlState()).isEqualTo("42P01"); // undefined_table
                assertThat(thrown).hasRootCauseInstanceOf(SQLException.class);
                assertThat(thrown.getMessage()).contains("does not exist");
                assertThat(causes(thrown)).noneMatch(c -> c.getClass().getName().equals("dev.tasksync.DatabaseException") && c != thrown);
            }
        }
    }

    @Test
    void aClosedDataSourceFailsEveryCallWithADatabaseExceptionSayingSo() {
        HikariDataSource pool = ConnectionPool.open(TestDatabase.jdbcUrl(), TestDatabase.user(), TestDatabase.password(), 2);
        try (TaskSync ts = TaskSync.builder().dataSource(pool).schema(TestDatabase.newSchema()).build()) {
            Task task = ts.save(TaskDefinition.named("stranded").step("check", FileExists.of("x")).build());
            pool.close();
            for (Throwable thrown : new Throwable[]{
                    catchThrowable(() -> ts.task(task.id())),
                    catchThrowable(() -> ts.steps(task.id())),
                    catchThrowable(() -> ts.save(TaskDefinition.named("another").step("check", FileExists.of("y")).build())),
                    catchThrowable(() -> ts.submit(task.id())),
                    catchThrowable(() -> ts.run(task.id())),
                    catchThrowable(ts::workers)}) {
                assertThat(thrown).isInstanceOf(DatabaseException.class).isInstanceOf(TaskSyncException.class);
                assertThat(thrown.getMessage()).containsIgnoringCase("closed");
            }
        }
    }

    @Test
    void aLockTimeoutInsideATransactionIsADatabaseExceptionAndTheKnownExceptionsStayAsTheyWere() throws SQLException {
        String schema = TestDatabase.newSchema();
        PGSimpleDataSource impatient = new PGSimpleDataSource();
        impatient.setURL(TestDatabase.jdbcUrl());
        impatient.setUser(TestDatabase.user());
        impatient.setPassword(TestDatabase.password());
        impatient.setOptions("-c lock_timeout=200");
        try (TaskSync ts = TaskSync.builder().dataSource(impatient).schema(schema).build()) {
            ts.createTask("taken");
            assertThat(catchThrowable(() -> ts.createTask("taken"))).isExactlyInstanceOf(DuplicateTaskException.class);
            assertThat(catchThrowable(() -> ts.task(999_999))).isExactlyInstanceOf(NotFoundException.class);

            try (Connection holder = TestDatabase.dataSource().getConnection(); Statement s = holder.createStatement()) {
                holder.setAutoCommit(false);
                s.execute("LOCK TABLE " + schema + ".tasks IN ACCESS EXCLUSIVE MODE");
                Throwable thrown = catchThrowable(() -> ts.createTask("blocked"));
                holder.rollback();
                assertThat(thrown).isInstanceOf(DatabaseException.class);
                assertThat(((DatabaseException) thrown).sqlState()).isEqualTo("55P03"); // lock_not_available
                assertThat(thrown).hasRootCauseInstanceOf(SQLException.class);
            }
            assertThat(ts.createTask("blocked").name()).isEqualTo("blocked"); // nothing was left half-done
        }
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> all = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.add(c);
        }
        return all;
    }
}
