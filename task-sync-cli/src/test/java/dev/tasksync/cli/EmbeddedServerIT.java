package dev.tasksync.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded default through the real script: started once, shared by racing invocations, stopped on request. */
class EmbeddedServerIT {
    @TempDir
    Path home;

    private static long pid(Path home) throws Exception {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(home.resolve("server.properties"))) {
            p.load(in);
        }
        return Long.parseLong(p.getProperty("pid"));
    }

    /** On the embedded default: the command that creates the database says where (on stderr), later ones do not. */
    @Test
    void theFirstCommandSaysWhereItCreatedTheDatabaseAndOnlyThatOne() throws Exception {
        Script script = new Script();
        script.env.put("TASKSYNC_HOME", home.toString());
        script.env.put("TASKSYNC_NO_CDS", "1");
        String created = "created a new embedded PostgreSQL database in " + home.resolve("postgres");
        try {
            Script.Result first = script.run("task", "list");
            assertThat(first.code()).as(first.toString()).isZero();
            assertThat(first.err().lines().filter(l -> l.contains(created)).count()).as(first.toString()).isEqualTo(1);
            assertThat(first.out()).doesNotContain("created");

            Script.Result second = script.run("task", "create", "--name", "kept");
            assertThat(second.code()).as(second.toString()).isZero();
            assertThat(second.err()).doesNotContain("created");

            JsonNode status = new ObjectMapper()
                    .readTree(script.run("db", "status", "--json").out());
            assertThat(status.get("running").asBoolean()).isTrue();
            assertThat(status.get("pid").asLong()).isEqualTo(pid(home));
            assertThat(status.get("url").asText()).isEqualTo("jdbc:postgresql://localhost:" + status.get("port").asInt() + "/postgres");
            assertThat(status.get("external_database").isNull()).isTrue();

            // stopped and started again on the same data: not created, so not announced
            assertThat(script.run("db", "stop").code()).isZero();
            Script.Result restarted = script.run("task", "list");
            assertThat(restarted.code()).as(restarted.toString()).isZero();
            assertThat(restarted.out()).contains("kept");
            assertThat(restarted.err()).doesNotContain("created");
        } finally {
            script.run("db", "stop");
        }
    }

    @Test
    void racingInvocationsShareOneServerThatOutlivesThemUntilDbStop() throws Exception {
        Script script = new Script();
        script.env.put("TASKSYNC_HOME", home.toString());
        script.env.put("TASKSYNC_NO_CDS", "1"); // racing JVMs would each record an archive; LauncherIT covers that path
        try {
            assertThat(script.run("db", "status").out()).contains("stopped");

            // three first invocations at once: one starts the server, the others wait for it and use it
            ExecutorService pool = Executors.newFixedThreadPool(3);
            List<Future<Script.Result>> racing = new ArrayList<>();
            for (String name : List.of("a", "b", "c")) {
                racing.add(pool.submit(() -> script.run("task", "create", "--name", name)));
            }
            for (Future<Script.Result> f : racing) {
                Script.Result r = f.get();
                assertThat(r.code()).as(r.toString()).isZero();
            }
            pool.shutdown();
            long pid = pid(home);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

            // it wants the password kept (owner-only) in the home on every connection, and is durable
            Properties server = new Properties();
            try (InputStream in = Files.newInputStream(home.resolve("server.properties"))) {
                server.load(in);
            }
            String url = server.getProperty("url");
            assertThat(Files.readString(home.resolve("server.properties"))).doesNotContain("password");
            Path passwordFile = home.resolve("postgres.password");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
            String password = Files.readString(passwordFile).strip();
            assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", null).close())
                    .hasMessageContaining("no password was provided");
            assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "postgres").close())
                    .hasMessageContaining("password authentication failed");
            try (Connection c = DriverManager.getConnection(url, "postgres", password); Statement st = c.createStatement()) {
                for (String setting : List.of("fsync", "synchronous_commit", "full_page_writes")) {
                    try (ResultSet rs = st.executeQuery("SHOW " + setting)) {
                        rs.next();
                        assertThat(rs.getString(1)).as(setting).isEqualTo("on");
                    }
                }
            }

            // the server outlived those JVMs; the next command reuses it and sees their rows
            Script.Result list = script.run("task", "list");
            assertThat(list.code()).as(list.toString()).isZero();
            assertThat(list.out()).contains(" a ").contains(" b ").contains(" c ");
            assertThat(pid(home)).isEqualTo(pid);
            Script.Result status = script.run("db", "status");
            assertThat(status.out()).contains("running").contains("pid " + pid).contains("password " + passwordFile);

            Script.Result stop = script.run("db", "stop");
            assertThat(stop.code()).as(stop.toString()).isZero();
            assertThat(stop.out()).contains("stopped");
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(script.run("db", "status").out()).contains("stopped");

            // data persists: the next command starts a new server on the same data
            Script.Result again = script.run("task", "list", "--json");
            assertThat(again.code()).as(again.toString()).isZero();
            assertThat(again.out()).contains("\"a\"").contains("\"b\"").contains("\"c\"");
            assertThat(pid(home)).isNotEqualTo(pid);
        } finally {
            script.run("db", "stop");
        }
    }
}
