package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.RegisteredWorker;
import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.Worker;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import dev.tasksync.testing.Awaits;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker on whose machine a task's local_path does not exist does not claim the task's steps, and plan, step show,
 * task show and waitReasons say why they wait. The worker without the path is a real worker process (the CLI's) in a
 * mount namespace of its own where an empty tmpfs hides the checkout (unshare, as root: CI runs as root); the one with
 * it runs in this JVM. Skipped where unshare cannot mount.
 */
class WorkerPathsIT {
    @TempDir
    Path dir;

    private CliHarness cli;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        Assumptions.assumeTrue(canUnshare(), "unshare --mount cannot mount here (needs root)");
        cli = new CliHarness();
    }

    @AfterEach
    void close() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (cli != null) {
            cli.close();
        }
    }

    private boolean canUnshare() throws Exception {
        Path probe = Files.createDirectories(dir.resolve("probe"));
        Files.writeString(probe.resolve("x"), "x");
        try {
            Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount -t tmpfs none '" + probe + "' && test ! -e '" + probe.resolve("x") + "'")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.exists(probe.resolve("x"));
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code task-sync worker} in a JVM of its own that sees an empty directory at {@code hidden}. */
    private Process workerWithout(Path hidden) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "mount -t tmpfs none '" + hidden + "' && exec '" + java + "' -cp '" + System.getProperty("java.class.path") + "' "
                + Main.class.getName() + " worker --concurrency 2 --grace 0";
        ProcessBuilder pb = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", command)
                .redirectOutput(dir.resolve("worker-out.txt").toFile())
                .redirectError(dir.resolve("worker-err.txt").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TASKSYNC_"));
        pb.environment().putAll(cli.env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private String output() {
        try {
            return Files.readString(dir.resolve("worker-out.txt"), StandardCharsets.UTF_8)
                    + Files.readString(dir.resolve("worker-err.txt"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** On a timeout the failure shows what the worker printed. */
    private void await(String what, Callable<Boolean> condition) {
        Awaits.await(what, Duration.ofMinutes(3), condition, this::output);
    }

    /** What worker {@code id} wrote about {@code path}: present, absent, or null when it has not looked. */
    private Boolean present(String id, Path path) {
        try (Connection c = TestDatabase.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT present FROM " + cli.schema + ".worker_paths WHERE worker_id = ? AND path = ?")) {
            ps.setString(1, id);
            ps.setString(2, path.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBoolean(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aWorkerWithoutTheTasksLocalPathLeavesItsStepsToOneThatHasItAndTheStepsSayWhy() throws Exception {
        Path hidden = Files.createDirectories(dir.resolve("checkouts"));
        Path repo = Files.createDirectories(hidden.resolve("repo"));
        Files.writeString(repo.resolve("a.txt"), "a");
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.writeString(shared.resolve("a.txt"), "a");
        cli.ok("task", "create", "--name", "here", "--local-path", repo.toString());
        for (int k = 1; k <= 3; k++) {
            cli.ok("step", "create", "--task-id", "1", "--title", "check " + k, "--settings", "{\"file_exists\": \"a.txt\"}");
        }
        cli.ok("task", "create", "--name", "everywhere", "--local-path", shared.toString());
        cli.ok("step", "create", "--task-id", "2", "--title", "check", "--settings", "{\"file_exists\": \"a.txt\"}");

        workerWithout(hidden);
        await("the worker registered", () -> cli.api.workers().stream().anyMatch(RegisteredWorker::live));
        String without = cli.api.workers().get(0).id();
        cli.ok("submit", "--task-id", "1");
        cli.ok("submit", "--task-id", "2");
        // It runs the task whose path it has, and has looked at the other's and found it missing.
        await("the shared task completed", () -> cli.api.steps(2).stream().allMatch(s -> s.status() == StepStatus.COMPLETED));
        await("the worker looked at the hidden path", () -> Boolean.FALSE.equals(present(without, repo)));
        assertThat(present(without, shared)).isTrue();
        assertThat(cli.api.steps(1)).allMatch(s -> s.status() == StepStatus.NEW);
        assertThat(cli.api.history(1)).isEmpty();
        String why = "waits for a worker on whose machine the task's local_path " + repo + " exists: no live worker has it";
        assertThat(cli.api.waitReasons(1)).hasSize(3).allSatisfy((id, reason) -> assertThat(reason).isEqualTo(why));
        assertThat(cli.api.waitReasons(2)).isEmpty();
        assertThat(cli.ok("plan", "--task-id", "1").out()).contains("step 1 " + why).contains("step 3 " + why);
        assertThat(cli.ok("step", "show", "2").out()).contains("waits:      " + why);
        JsonNode show = Json.MAPPER.readTree(cli.ok("task", "show", "1", "--json").out());
        assertThat(show.path("waits").path("3").asText()).isEqualTo(why);

        // A worker that has the path takes them all; the other never claimed one.
        try (Worker with = cli.api.worker(WorkerLabelsCliIT.FAST)) {
            await("the task completed", () -> cli.api.steps(1).stream().allMatch(s -> s.status() == StepStatus.COMPLETED));
            for (int step = 1; step <= 3; step++) {
                assertThat(cli.api.history(step)).extracting(StepRun::workerId).containsExactly(with.id());
            }
            assertThat(present(with.id(), repo)).isTrue();
        }
        assertThat(cli.api.history(4)).extracting(StepRun::workerId).containsExactly(without);
        assertThat(cli.api.waitReasons(1)).isEmpty();
    }
}
