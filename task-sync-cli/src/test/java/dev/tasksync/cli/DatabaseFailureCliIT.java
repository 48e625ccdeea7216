package dev.tasksync.cli;

import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** A database failure is not bad input: exit 1 with the database's words, and no data-access library's class name. */
class DatabaseFailureCliIT {

    @Test
    void aStatementTheDatabaseRefusesExitsOneWithItsMessage() throws Exception {
        try (CliHarness cli = new CliHarness()) {
            assertThat(cli.run("task", "create", "--name", "first").code()).isZero();
            String url = TestDatabase.jdbcUrl();
            cli.env.put("TASKSYNC_DB_URL", url + (url.contains("?") ? "&" : "?") + "options=-c%20lock_timeout%3D200");
            try (Connection holder = TestDatabase.dataSource().getConnection(); Statement s = holder.createStatement()) {
                holder.setAutoCommit(false);
                s.execute("LOCK TABLE " + cli.schema + ".tasks IN ACCESS EXCLUSIVE MODE");
                CliHarness.Result r = cli.run("task", "create", "--name", "second");
                holder.rollback();
                assertThat(r.code()).as(r.toString()).isEqualTo(1);
                assertThat(r.err()).as(r.toString()).contains("lock timeout").doesNotContain("org.jooq");
            }
            assertThat(cli.run("task", "create", "--name", "second").code()).isZero();
            assertThat(cli.api.tasks()).extracting(t -> t.name()).containsExactly("first", "second");
        }
    }
}
