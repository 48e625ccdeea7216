package dev.tasksync;

import dev.tasksync.embedded.SharedServer;
import dev.tasksync.testing.SharedServerMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static dev.tasksync.testing.Awaits.await;

/**
 * What the CLI's server leaves behind does not stop the next start: {@code db stop}, a server killed with
 * SIGKILL whose {@code postmaster.pid} names a pid another process has now, and a data directory that
 * cannot start at all (the start says why, at once).
 */
class EmbeddedRestartIT {
    @TempDir
    Path home;

    private final List<Process> others = new ArrayList<>();

    @AfterEach
    void stop() {
        others.forEach(Process::destroyForcibly);
        SharedServer.in(home).stop();
    }

    @Test
    void theLibraryStartsWhereTheCliServerWasStopped() throws Exception {
        SharedServer shared = SharedServer.in(home);
        cli("start", "kept");
        assertThat(cli("stop")).startsWith("stopped ");
        assertTheLibraryFindsTheKeptTask(shared);
    }

    @Test
    void theLibraryStartsWhereTheCliServerWasKilledAndItsPidWasReused() throws Exception {
        SharedServer shared = SharedServer.in(home);
        killedWithAPidFileNamingAnotherProcess(shared);
        assertTheLibraryFindsTheKeptTask(shared);
    }

    @Test
    void theCliServerStartsWhereItWasKilledAndItsPidWasReused() throws Exception {
        SharedServer shared = SharedServer.in(home);
        killedWithAPidFileNamingAnotherProcess(shared);
        long pid = Long.parseLong(cli("start"));
        assertThat(shared.status()).map(SharedServer.Info::pid).contains(pid);
        assertTheLibraryFindsTheKeptTask(shared);
    }

    @Test
    void aDataDirectoryThatCannotStartSaysWhy() throws Exception {
        SharedServer shared = SharedServer.in(home);
        cli("start");
        cli("stop");
        // as if made by another major version (a consumer resolving PostgreSQL 14 binaries for the CLI's 17 data)
        Files.writeString(shared.dataDirectory().resolve("PG_VERSION"), "14\n");
        assertThatThrownBy(() -> TaskSync.embedded(shared.dataDirectory()).close())
                .isInstanceOf(TaskSyncException.class)
                .hasMessageContaining("could not start the embedded PostgreSQL with data in " + shared.dataDirectory())
                .hasMessageContaining("database files are incompatible with server")
                .hasMessageContaining("initialized by PostgreSQL version 14")
                .hasMessageContaining(home.resolve("postgres.log").toString())
                .hasMessageNotContaining("Gave up waiting");
        // the CLI's start says the same (in a JVM of its own: zonky's lock on the data directory is per JVM)
        Process cli = cliProcess("start");
        String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(cli.waitFor()).as(out).isNotZero();
        assertThat(out).contains("database files are incompatible with server").doesNotContain("Gave up waiting");
    }

    private static void assertTheLibraryFindsTheKeptTask(SharedServer shared) {
        try (TaskSync ts = TaskSync.embedded(shared.dataDirectory())) {
            assertThat(ts.tasks()).extracting(Task::name).containsExactly("kept");
        }
    }

    /**
     * The CLI's server with a task, killed with SIGKILL; its postmaster.pid then names a live process that
     * is not PostgreSQL, as after a restart of the machine or container gave that pid to another process.
     */
    private void killedWithAPidFileNamingAnotherProcess(SharedServer shared) throws Exception {
        assumeThat(Path.of("/proc/self/cwd")).as("needs /proc to see the killed server's processes go").exists();
        long pid = Long.parseLong(cli("start", "kept"));
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        Path data = shared.dataDirectory().toRealPath();
        // the postmaster's children notice its death and exit
        await("no process left working in " + data, () -> !anyProcessWorksIn(data));
        Process other = new ProcessBuilder("sleep", "600").start();
        others.add(other);
        Path pidFile = data.resolve("postmaster.pid");
        List<String> lines = new ArrayList<>(Files.readAllLines(pidFile));
        lines.set(0, Long.toString(other.pid()));
        Files.write(pidFile, lines);
    }

    /** Runs {@link SharedServerMain} in a JVM of its own (as the CLI is); returns its last line of output. */
    private String cli(String... args) throws Exception {
        Process p = cliProcess(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return out.substring(out.lastIndexOf('\n') + 1);
    }

    private Process cliProcess(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), SharedServerMain.class.getName(),
                home.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static boolean anyProcessWorksIn(Path data) throws IOException {
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path process : processes) {
                try {
                    if (Files.readSymbolicLink(process.resolve("cwd")).equals(data)) {
                        return true;
                    }
                } catch (IOException e) {
                    // gone or a zombie
                }
            }
        }
        return false;
    }
}
