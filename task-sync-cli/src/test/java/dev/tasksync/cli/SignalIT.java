package dev.tasksync.cli;

import dev.tasksync.Step;
import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import dev.tasksync.testing.Awaits;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real CLI process (its own JVM, {@link Main}) stopped by a real signal: the exit code is 128 + the
 * signal (SIGINT 130, SIGTERM 143) and the shutdown was clean (the run cancelled its step, the worker
 * gave its step back).
 */
class SignalIT {
    @TempDir
    Path dir;

    private String schema;
    private TaskSync api;

    @BeforeEach
    void open() {
        schema = TestDatabase.newSchema();
        api = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema).build();
    }

    @AfterEach
    void close() {
        api.close();
    }

    /** {@code task-sync <args>} in a JVM of its own, on the test database; the test step types are on its class path. */
    private Process start(String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        if (sigintIgnored()) {
            // A background job of a non-interactive shell starts with SIGINT ignored, and a JVM that inherits an
            // ignored SIGINT never installs its handler, so Ctrl-C would not reach the CLI: restore the default.
            command.addAll(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!"));
        }
        command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TASKSYNC_"));
        pb.environment().put("TASKSYNC_DB_URL", TestDatabase.jdbcUrl());
        pb.environment().put("TASKSYNC_DB_USER", String.valueOf(TestDatabase.user()));
        pb.environment().put("TASKSYNC_DB_PASSWORD", String.valueOf(TestDatabase.password()));
        pb.environment().put("TASKSYNC_SCHEMA", schema);
        pb.environment().put("TASKSYNC_PROGRESS", "plain");
        return pb.start();
    }

    /** Whether this JVM was started with SIGINT ignored (bit 2 of SigIgn in /proc/self/status), as its children would be. */
    private static boolean sigintIgnored() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    private String output() throws IOException {
        return "--- stdout\n" + Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8)
                + "--- stderr\n" + Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
    }

    /** Twice the usual deadline: the CLI here starts in a JVM of its own. */
    private static void await(String what, Callable<Boolean> condition) {
        Awaits.await(what, Duration.ofSeconds(120), condition);
    }

    private static void signal(Process p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private int exitCode(Process p) throws Exception {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            String threads = threadDump(p);
            p.destroyForcibly();
            throw new AssertionError("the process did not end after the signal\n" + output() + "--- threads\n" + threads);
        }
        return p.exitValue();
    }

    /** The threads of a process that would not end, for the failure message (jstack of the JDK running the tests). */
    private static String threadDump(Process p) {
        try {
            Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
            // perl (when used) exec's the JVM, so the process's pid is the JVM's
            Process dump = new ProcessBuilder(jstack.toString(), Long.toString(p.pid())).redirectErrorStream(true).start();
            String text = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            dump.waitFor(30, TimeUnit.SECONDS);
            return text;
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    private Step longStep() {
        Task t = api.createTask("long");
        return api.createStep(t.id(), "sleeps", "{\"sleep\": {\"millis\": 600000}}");
    }

    private void runInterruptedBy(String signal, int expected) throws Exception {
        Step step = longStep();
        Process run = start("run", "--task", "long");
        await("the step to start", () -> api.step(step.id()).status() == StepStatus.ACTIVE);
        signal(run, signal);
        assertThat(exitCode(run)).as(output()).isEqualTo(expected);
        assertThat(output()).contains("Interrupted: running steps were cancelled.");
        assertThat(api.step(step.id()).status()).isEqualTo(StepStatus.CANCELLED);
        assertThat(api.history(step.id())).extracting(StepRun::outcome).containsExactly("cancelled");
    }

    /** The exit codes seen here are the ones the CLI's README and --help document. */
    @Test
    void theDocumentedExitCodesAreTheseSignalCodes() throws IOException {
        String readme = Files.readString(Script.REPO.resolve("task-sync-cli/README.md"), StandardCharsets.UTF_8);
        assertThat(readme).containsPattern("\\| 130 \\| `run` or `worker` stopped by Ctrl-C \\(SIGINT")
                .containsPattern("\\| 143 \\| the same for SIGTERM");
        CliHarness.Result help;
        try (CliHarness cli = new CliHarness()) {
            help = cli.run("--help");
        }
        assertThat(help.out()).contains("130 stopped by Ctrl-C (SIGINT), 143 by SIGTERM");
    }

    @Test
    void sigtermEndsARunWith143AfterCancellingItsSteps() throws Exception {
        runInterruptedBy("TERM", 143);
    }

    @Test
    void sigintEndsARunWith130AfterCancellingItsSteps() throws Exception {
        runInterruptedBy("INT", 130);
    }

    @Test
    void sigtermEndsAWorkerWith143AfterGivingItsStepBack() throws Exception {
        Step step = longStep();
        api.submit(step.taskId());
        Process worker = start("worker", "--concurrency", "1", "--grace", "0");
        await("the worker to claim the step", () -> api.step(step.id()).status() == StepStatus.ACTIVE);
        signal(worker, "TERM");
        assertThat(exitCode(worker)).as(output()).isEqualTo(143);
        assertThat(output()).contains("stopped after claiming 1 step.");
        // given back for another worker: waiting again, its attempt recorded as released
        assertThat(api.step(step.id()).status()).isEqualTo(StepStatus.NEW);
        assertThat(api.history(step.id())).extracting(StepRun::outcome).containsExactly("released");
    }
}
