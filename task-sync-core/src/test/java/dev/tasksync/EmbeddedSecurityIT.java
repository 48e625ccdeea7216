package dev.tasksync;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasksync.embedded.PasswordFile;
import dev.tasksync.embedded.SharedServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded server a user gets: a password on every connection, durable, and older data directories upgraded. */
class EmbeddedSecurityIT {
    @TempDir
    Path home;

    private static Connection connect(String url, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(url, p);
    }

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static int port(TaskSync ts) {
        String url = ((HikariDataSource) ts.dataSource()).getJdbcUrl();
        return Integer.parseInt(url.replaceAll("^jdbc:postgresql://[^:]+:(\\d+)/.*$", "$1"));
    }

    /** Connections without the password, or with a wrong one, are refused on every address; the right one works. */
    private static void onlyThePasswordGetsIn(int port, String password) throws SQLException {
        for (String host : new String[] {"localhost", "127.0.0.1"}) {
            String url = "jdbc:postgresql://" + host + ":" + port + "/postgres";
            assertThatThrownBy(() -> connect(url, null).close()).as(url).isInstanceOf(SQLException.class)
                    .hasMessageContaining("no password was provided");
            assertThatThrownBy(() -> connect(url, "postgres").close()).as(url).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed for user \"postgres\"");
            assertThatThrownBy(() -> connect(url, password + "x").close()).as(url).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed for user \"postgres\"");
            try (Connection c = connect(url, password)) {
                assertThat(show(c, "server_version")).isNotBlank();
            }
        }
        // no Unix socket to reach it by (PostgreSQL's default would be /tmp, open to every local user)
        assertThat(Path.of("/tmp/.s.PGSQL." + port)).doesNotExist();
    }

    @Test
    void aNewEmbeddedServerWantsItsGeneratedPasswordOnEveryConnectionAndIsDurable() throws Exception {
        Path data = home.resolve("postgres");
        try (TaskSync ts = TaskSync.embedded(data)) {
            ts.createTask("t");
            Path file = PasswordFile.of(data);
            assertThat(file).isEqualTo(home.resolve("postgres.password"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            String password = Files.readString(file).strip();
            assertThat(password).hasSizeGreaterThanOrEqualTo(32).isNotEqualTo("postgres");
            assertThat(Files.readString(data.resolve("pg_hba.conf"))).doesNotContain("trust").contains("scram-sha-256");

            onlyThePasswordGetsIn(port(ts), password);
            try (Connection c = ts.dataSource().getConnection()) {
                assertThat(show(c, "fsync")).isEqualTo("on");
                assertThat(show(c, "synchronous_commit")).isEqualTo("on");
                assertThat(show(c, "full_page_writes")).isEqualTo("on");
                assertThat(show(c, "password_encryption")).isEqualTo("scram-sha-256");
            }
        }
        // the same password next time
        try (TaskSync again = TaskSync.embedded(data)) {
            assertThat(again.tasks()).extracting(Task::name).containsExactly("t");
        }
    }

    @Test
    void aDataDirectoryCreatedByAnOlderTaskSyncIsUpgradedAndKeepsItsData() throws Exception {
        Path data = home.resolve("postgres");
        // what earlier versions did: zonky's defaults, initdb -A trust, no password
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).start()) {
            try (Connection c = old.getPostgresDatabase().getConnection()) {
                assertThat(show(c, "fsync")).isEqualTo("off");
            }
            try (TaskSync ts = TaskSync.builder().dataSource(old.getPostgresDatabase()).build()) {
                Task kept = ts.createTask("kept");
                ts.createStep(kept.id(), "check", "{\"file_exists\": \"a\"}");
            }
        }
        assertThat(Files.readString(data.resolve("pg_hba.conf"))).contains("trust");
        assertThat(PasswordFile.of(data)).doesNotExist();

        try (TaskSync ts = TaskSync.embedded(data)) {
            assertThat(ts.tasks()).extracting(Task::name).containsExactly("kept");
            assertThat(ts.steps(ts.task("kept").id())).extracting(Step::title).containsExactly("check");
            assertThat(Files.readString(data.resolve("pg_hba.conf"))).doesNotContain("trust");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(PasswordFile.of(data)))).isEqualTo("rw-------");
            onlyThePasswordGetsIn(port(ts), Files.readString(PasswordFile.of(data)).strip());
            try (Connection c = ts.dataSource().getConnection()) {
                assertThat(show(c, "fsync")).isEqualTo("on");
            }
        }
    }

    @Test
    void aSharedServerStartedByAnOlderTaskSyncIsRestartedWithThePassword() throws Exception {
        SharedServer shared = SharedServer.in(home);
        Path data = shared.dataDirectory();
        // an older CLI's server, still running after that CLI exited: trust, fsync off, recorded in server.properties
        Path pgCtl;
        int port;
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).start()) {
            try (TaskSync ts = TaskSync.builder().dataSource(old.getPostgresDatabase()).build()) {
                ts.createTask("kept");
            }
            long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
            pgCtl = Path.of(ProcessHandle.of(pid).orElseThrow().info().command().orElseThrow()).resolveSibling("pg_ctl");
            port = old.getPort();
        }
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("unshare", "-U")); // as zonky does: pg_ctl refuses to run as root
        }
        command.addAll(List.of(pgCtl.toString(), "-D", data.toString(), "-o", "-p " + port + " -F",
                "-l", home.resolve("old.log").toString(), "-w", "start"));
        Process start = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(start.waitFor()).as(new String(start.getInputStream().readAllBytes())).isZero();
        long oldPid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        Files.writeString(shared.infoFile(), "port=" + port + "\npid=" + oldPid + "\n");
        assertThat(shared.status()).map(SharedServer.Info::pid).contains(oldPid);
        try {
            SharedServer.Info info = shared.ensureRunning();
            assertThat(info.pid()).isNotEqualTo(oldPid);
            assertThat(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            onlyThePasswordGetsIn(info.port(), shared.password());
            try (TaskSync ts = TaskSync.embedded(data)) {
                assertThat(ts.tasks()).extracting(Task::name).containsExactly("kept");
                try (Connection c = ts.dataSource().getConnection()) {
                    assertThat(show(c, "fsync")).isEqualTo("on");
                    assertThat(show(c, "synchronous_commit")).isEqualTo("on");
                }
            }
        } finally {
            shared.stop();
        }
    }
}
