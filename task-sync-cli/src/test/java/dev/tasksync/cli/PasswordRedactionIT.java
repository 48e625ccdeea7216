package dev.tasksync.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A password given to the CLI (in --db, --db-password or the environment) is never printed. */
class PasswordRedactionIT {
    @RegisterExtension
    final CliHarness cli = new CliHarness();

    private CliHarness.Result run(String... args) {
        CliHarness.Result r = cli.run(args);
        assertThat(r.out() + r.err()).as(r.toString()).doesNotContain("s3cret").doesNotContain("s3%63ret");
        return r;
    }

    /** What {@code args} print on stderr, having ended with exit code {@code code}. */
    private String err(int code, String... args) {
        CliHarness.Result r = run(args);
        assertThat(r.code()).as(r.toString()).isEqualTo(code);
        return r.err();
    }

    @Test
    void aPasswordInAJdbcUrlIsMaskedInCannotConnect() {
        assertThat(err(1, "--db", "jdbc:postgresql://127.0.0.1:1/postgres?user=postgres&password=s3cret", "task", "list"))
                .contains("cannot connect to jdbc:postgresql://127.0.0.1:1/postgres?user=postgres&password=***: Connection to 127.0.0.1:1 refused");
    }

    @Test
    void aPasswordInAPostgresUriIsMaskedWhenTheUriIsMalformed() {
        assertThat(err(2, "--db", "postgres://postgres:s3cret%ZZ@127.0.0.1:1/postgres", "task", "list"))
                .contains("--db is not a valid URL").contains("postgres://postgres:***@127.0.0.1:1/postgres");
    }

    @Test
    void aPasswordInAPostgresUriIsMaskedWhenItCannotConnect() {
        assertThat(err(1, "--db", "postgres://postgres:s3%63ret@127.0.0.1:1/postgres", "task", "list"))
                .contains("cannot connect to jdbc:postgresql://127.0.0.1:1/postgres");
    }

    @Test
    void theDbPasswordOptionAndEnvironmentAreMaskedWhereverTheyAppear() {
        // a URL the driver refuses: its message repeats the URL, which repeats the password
        CliHarness.Result r = run("--db", "jdbc:postgresql://127.0.0.1:1:2/s3cret?user=postgres", "--db-password", "s3cret", "task", "list");
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.err()).contains("***");

        cli.env.put("TASKSYNC_DB_PASSWORD", "s3cret");
        CliHarness.Result env = run("--db", "jdbc:postgresql://127.0.0.1:1:2/s3cret", "task", "list");
        assertThat(env.code()).as(env.toString()).isNotZero();
        assertThat(env.err()).contains("***");
    }

    @Test
    void dbStatusMasksTheExternalUrlsPassword() {
        CliHarness.Result r = run("--db", "jdbc:postgresql://127.0.0.1:1/postgres?password=s3cret&user=postgres", "db", "status");
        assertThat(r.out()).contains("Using the external database jdbc:postgresql://127.0.0.1:1/postgres?password=***&user=postgres");
    }
}
