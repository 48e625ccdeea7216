package dev.tasksync.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code task-sync user ...} and {@code task-sync serve}'s refusals, through the real CLI entry point. */
class ConsoleCliIT {
    @RegisterExtension
    final CliHarness cli = new CliHarness();

    @Test
    void userAddReadsThePasswordFromStdinAndStoresOnlyABcryptHash() {
        CliHarness.Result r = cli.runWithInput("correct-horse\n", "user", "add", "ada", "--role", "admin");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Console user 'ada' (admin) saved.");
        assertThat(cli.ok("user", "list").out()).contains("ada").contains("admin");
        String hash = storedHash("ada");
        assertThat(hash).startsWith("$2").doesNotContain("correct-horse");

        // the same name again sets role and password
        assertThat(cli.runWithInput("battery-staple\n", "user", "add", "ada", "--role", "viewer").code()).isZero();
        assertThat(cli.ok("user", "list").out()).contains("viewer");
        assertThat(storedHash("ada")).isNotEqualTo(hash);
    }

    @Test
    void badInputIsRefusedWithExitCode2NamingTheFieldAndStoresNothing() {
        assertThat(cli.refusedWithInput("", "user", "add", "ada", "--role", "admin").err()).contains("password:");
        assertThat(cli.refusedWithInput("short\n", "user", "add", "ada", "--role", "admin").err())
                .contains("password: must have at least 8 characters");
        assertThat(cli.refusedWithInput("correct-horse\n", "user", "add", "ada", "--role", "boss").err())
                .contains("role: 'boss' is not a role");
        assertThat(cli.refusedWithInput("correct-horse\n", "user", "add", "<b>", "--role", "admin").err()).contains("name:");
        assertThat(cli.ok("user", "list").out()).contains("No console users");
    }

    @Test
    void serveWithoutUsersRefusesToBindBeyondLoopback() {
        CliHarness.Result r = cli.run("serve", "--bind", "0.0.0.0", "--port", "0");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("no console user is defined").contains("task-sync user add NAME --role admin");
        assertThat(cli.refused("serve", "--port", "70000").err()).contains("--port");
    }

    @Test
    void serveWithBadTlsFilesExitsWith2NamingTheFlag(@TempDir Path dir) throws Exception {
        Path notPem = Files.writeString(dir.resolve("cert.pem"), "not a certificate\n");
        CliHarness.Result missing = cli.run("serve", "--port", "0", "--tls-cert", dir.resolve("missing.pem").toString(),
                "--tls-key", notPem.toString());
        assertThat(missing.code()).as(missing.toString()).isEqualTo(2);
        assertThat(missing.err()).contains("--tls-cert").contains("missing.pem: no such file");
        CliHarness.Result bad = cli.run("serve", "--port", "0", "--tls-cert", notPem.toString(), "--tls-key", notPem.toString());
        assertThat(bad.code()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.err()).contains("--tls-cert").contains("not a PEM certificate chain");
        CliHarness.Result alone = cli.run("serve", "--port", "0", "--tls-cert", notPem.toString());
        assertThat(alone.code()).as(alone.toString()).isEqualTo(2);
        assertThat(alone.err()).contains("--tls-key: missing");
    }

    private String storedHash(String name) {
        try (Connection c = cli.api.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT password_hash FROM \"" + cli.schema + "\".console_users WHERE name = '" + name + "'")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
