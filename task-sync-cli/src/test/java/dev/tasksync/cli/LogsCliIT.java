package dev.tasksync.cli;

import dev.tasksync.StepRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code task-sync logs}: the full stored log of an attempt, printed or followed live, through the real CLI. */
class LogsCliIT {
    @RegisterExtension
    final CliHarness cli = new CliHarness();

    @TempDir
    Path dir;

    /** A step whose shell commands run on the host (docker_build's "shell"), failing before any image is built. */
    private int shellStep(String command) {
        cli.ok("task", "create", "--name", "logs", "--local-path", dir.toString());
        int task = cli.api.findTask("logs").orElseThrow().id();
        String json = "{\"docker_build\": {\"image_tag\": \"tsd-logs17-never:latest\", \"shell\": ["
                + "\"" + command.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]}}";
        cli.ok("step", "create", "--task-id", String.valueOf(task), "--title", "print", "--settings", json);
        return cli.api.steps(task).get(0).id();
    }

    @Test
    void printsAFinishedAttemptsWholeLogWithBothStreams() {
        int step = shellStep("for i in $(seq 1 300); do echo out-$i; done; echo err-1 >&2; echo out-last; exit 3");
        assertThat(cli.run("run", "--task-id", String.valueOf(cli.api.step(step).taskId())).code()).isEqualTo(1);
        String id = String.valueOf(step);

        List<String> lines = cli.ok("logs", id).out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("$ for i in $(seq 1 300); do echo out-$i; done; echo err-1 >&2; echo out-last; exit 3");
        // each stream keeps its order; across streams, the order is the one in which their pipes were read,
        // so the stderr line may come anywhere (a busy machine read it before the first stdout line once)
        assertThat(lines.stream().filter(l -> l.startsWith("out-")))
                .hasSize(301).startsWith("out-1", "out-2").endsWith("out-299", "out-300", "out-last");
        assertThat(lines).contains("[stderr] err-1");
        assertThat(lines).hasSize(1 + 300 + 2);
        assertThat(cli.ok("logs", id, "--stderr").out().lines()).containsExactly("[stderr] err-1");
        List<String> stamped = cli.ok("logs", id, "--attempt", "1", "--timestamps").out().lines().toList();
        assertThat(stamped).hasSize(lines.size()).allMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT.*Z (stdout|stderr) .*"))
                .anyMatch(l -> l.endsWith(" stderr [stderr] err-1")).anyMatch(l -> l.endsWith(" stdout out-300"));
        assertThat(cli.ok("logs", id, "--since", "1h").out().lines()).hasSize(lines.size());
        assertThat(cli.ok("logs", id, "--since", "2999-01-01T00:00:00Z").out()).isEmpty();

        // step history --logs prints the whole log, not the tail's last 200 lines
        String history = cli.ok("step", "history", id, "--logs").out();
        assertThat(history).contains("  out-1\n").contains("  out-300\n").contains("  [stderr] err-1\n");

        CliHarness.Result badSince = cli.run("logs", id, "--since", "yesterday");
        assertThat(badSince.code()).isEqualTo(2);
        assertThat(badSince.err()).contains("--since").contains("yesterday");
        CliHarness.Result badAttempt = cli.run("logs", id, "--attempt", "7");
        assertThat(badAttempt.code()).isEqualTo(2);
        assertThat(badAttempt.err()).contains("--attempt").contains("no attempt 7");
        assertThat(cli.run("logs", "99999").code()).isEqualTo(2);
    }

    @Test
    void followPrintsLinesWhileTheAttemptRunsAndExitsWithTheStepsExitCode() throws Exception {
        Path go = dir.resolve("go");
        int step = shellStep("echo started; echo warming >&2; while [ ! -f go ]; do sleep 0.05; done; echo finished; exit 3");
        String taskId = String.valueOf(cli.api.step(step).taskId());
        CompletableFuture<CliHarness.Result> run = CompletableFuture.supplyAsync(() -> cli.run("run", "--task-id", taskId));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<StepRun> runs;
        while ((runs = cli.api.history(step)).isEmpty()) { // polls the database until the attempt started
            assertThat(System.nanoTime()).as("the step's attempt started").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(runs.get(0).finishedAt()).isNull();

        // The follower is another Cli on its own connection; its output is watched as it is written.
        CountDownLatch sawStderr = new CountDownLatch(1);
        StringBuilder seen = new StringBuilder();
        Writer watching = new Writer() {
            @Override
            public synchronized void write(char[] c, int off, int len) {
                seen.append(c, off, len);
                if (seen.indexOf("[stderr] warming\n") >= 0) {
                    sawStderr.countDown();
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> follow = CompletableFuture.supplyAsync(() -> new Cli(cli.env, new PrintWriter(watching, true),
                new PrintWriter(err, true), new ByteArrayInputStream(new byte[0]), false).execute("logs", String.valueOf(step), "-f"));

        assertThat(sawStderr.await(60, TimeUnit.SECONDS)).as("lines followed before the attempt ended: " + seen).isTrue();
        assertThat(cli.api.history(step).get(0).finishedAt()).as("the attempt still runs").isNull();
        assertThat(follow).isNotDone();
        Files.writeString(go, "");

        assertThat(follow.get(60, TimeUnit.SECONDS)).as(err.toString()).isEqualTo(3);
        assertThat(run.get(60, TimeUnit.SECONDS).code()).isEqualTo(1);
        synchronized (watching) {
            List<String> followed = seen.toString().lines().toList();
            assertThat(followed).hasSize(4).startsWith(
                    "$ echo started; echo warming >&2; while [ ! -f go ]; do sleep 0.05; done; echo finished; exit 3")
                    .endsWith("finished"); // written after the go, which came after the follower saw the first lines
            assertThat(followed.subList(1, 3)).containsExactlyInAnyOrder("started", "[stderr] warming");
        }
    }
}
