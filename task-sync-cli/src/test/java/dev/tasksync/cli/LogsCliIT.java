package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.StepRun;
import dev.tasksync.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.awaitValue;

/** {@code task-sync logs}: the full stored log of an attempt, printed or followed live, through the real CLI. */
class LogsCliIT {
    @RegisterExtension
    final CliHarness cli = new CliHarness();

    @TempDir
    Path dir;

    /** A step whose shell commands run on the host (docker_build's "shell"), failing before any image is built. */
    private int shellStep(String command) {
        return shellStep("print", command, "");
    }

    /** Such a step in the task "logs" (created with the first), with more core fields ({@code , "retries": 1}). */
    private int shellStep(String title, String command, String fields) {
        int task = cli.api.findTask("logs").map(Task::id).orElseGet(() -> cli.createTask("logs", dir));
        String json = "{\"docker_build\": {\"image_tag\": \"tsd-logs17-never:latest\", \"shell\": ["
                + "\"" + command.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]" + fields + "}}";
        return cli.createStep(task, title, json);
    }

    /** Output written by a Cli in another thread, readable while it is written. */
    private static final class Watched extends Writer {
        private final StringBuilder seen = new StringBuilder();

        @Override
        public synchronized void write(char[] c, int off, int len) {
            seen.append(c, off, len);
            notifyAll();
        }

        /** Waits (up to a minute) until the output contains {@code text}. */
        synchronized boolean awaitContains(String text) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen.indexOf(text) < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        synchronized String text() {
            return seen.toString();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private CompletableFuture<Integer> follower(Watched out, Watched err, String... args) {
        return CompletableFuture.supplyAsync(() -> new Cli(cli.env, new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]), false).execute(args));
    }

    @Test
    void followStartedBeforeTheStepRunsWaitsForItsAttemptAndFollowsItsRetry() throws Exception {
        // attempt 1 fails, attempt 2 fails for good (both before docker_build builds anything)
        int step = shellStep("print", "if [ -f once ]; then echo second; exit 4; fi; touch once; echo first; exit 3",
                ", \"retries\": 1, \"retry_backoff_seconds\": 0.1");
        Watched out = new Watched();
        Watched err = new Watched();
        CompletableFuture<Integer> follow = follower(out, err, "logs", String.valueOf(step), "-f");
        // the run starts only once the follower said it waits: on old code it exited 2 ("has not run yet") instead
        assertThat(err.awaitContains("waiting for its first attempt")).as("the follower waits: " + err.text()).isTrue();
        assertThat(cli.api.history(step)).isEmpty();
        assertThat(cli.run("run", "--task-id", String.valueOf(cli.api.step(step).taskId())).code()).isEqualTo(1);

        assertThat(follow.get(120, TimeUnit.SECONDS)).as(err.text()).isEqualTo(4); // the last attempt's code
        String command = "$ if [ -f once ]; then echo second; exit 4; fi; touch once; echo first; exit 3";
        assertThat(out.text().lines()).containsExactly(command, "first",
                "----- attempt 2 of step " + step + " (attempt 1 ended: failed) -----", command, "second");
        assertThat(cli.api.history(step)).hasSize(2);
    }

    @Test
    void followOfAnAttemptThatEndedWaitsForTheRetryAndEndsWithTheStep() throws Exception {
        // attempt 1 fails; attempt 2 waits for the file "again" after its first line, then fails for good
        int step = shellStep("print", "if [ -f once ]; then echo two; while [ ! -f again ]; do sleep 0.05; done; exit 4; fi;"
                + " touch once; echo one; exit 3", ", \"retries\": 1, \"retry_backoff_seconds\": 0.1");
        String taskId = String.valueOf(cli.api.step(step).taskId());
        CompletableFuture<CliHarness.Result> run = CompletableFuture.supplyAsync(() -> cli.run("run", "--task-id", taskId));
        Watched out = new Watched();
        Watched err = new Watched();
        CompletableFuture<Integer> follow = follower(out, err, "logs", String.valueOf(step), "-f", "--json");
        try {
            // wherever the follower started (before the run, attempt 1 running or ended, attempt 2 running), it
            // prints attempt 2's line while attempt 2 still runs
            assertThat(out.awaitContains("\"text\":\"two\"")).as(out.text() + err.text()).isTrue();
            assertThat(follow).isNotDone();
        } finally {
            Files.writeString(dir.resolve("again"), "");
        }
        assertThat(follow.get(120, TimeUnit.SECONDS)).as(err.text()).isEqualTo(4);
        assertThat(run.get(120, TimeUnit.SECONDS).code()).isEqualTo(1);
        List<JsonNode> lines = out.text().lines().map(CliHarness::json).toList();
        assertThat(lines).last().satisfies(l -> assertThat(l.path("text").asText()).isEqualTo("two"));
        assertThat(lines).allSatisfy(l -> assertThat(l.path("attempt").asInt()).isBetween(1, 2));
        // attempt 2's lines come after every line of attempt 1 the follower saw; no separator in JSON
        assertThat(lines.stream().map(l -> l.path("attempt").asInt()).toList()).isSorted();
        assertThat(lines.stream().filter(l -> l.path("attempt").asInt() == 2).map(l -> l.path("text").asText()))
                .containsExactly("$ if [ -f once ]; then echo two; while [ ! -f again ]; do sleep 0.05; done; exit 4; fi;"
                        + " touch once; echo one; exit 3", "two");
    }

    @Test
    void jsonPrintsOneObjectPerLineWithTimeStreamAttemptAndText() {
        int step = shellStep("echo out-1; echo err-1 >&2; echo 'a \"quoted\" \\ line'; exit 3");
        assertThat(cli.run("run", "--task-id", String.valueOf(cli.api.step(step).taskId())).code()).isEqualTo(1);

        List<JsonNode> lines = cli.ok("logs", String.valueOf(step), "--json").out().lines().map(CliHarness::json).toList();
        assertThat(lines).hasSize(4);
        assertThat(lines).allSatisfy(l -> {
            assertThat(l.size()).isEqualTo(4);
            assertThat(Instant.parse(l.path("time").asText())).isBefore(Instant.now().plusSeconds(1));
            assertThat(l.path("attempt").asInt()).isEqualTo(1);
            assertThat(l.path("stream").asText()).isIn("stdout", "stderr");
        });
        assertThat(lines.stream().map(l -> l.path("stream").asText() + " " + l.path("text").asText()))
                .contains("stdout out-1", "stderr [stderr] err-1", "stdout a \"quoted\" \\ line");
        assertThat(cli.ok("logs", String.valueOf(step), "--json", "--stderr").out().lines().map(CliHarness::json)
                .map(l -> l.path("text").asText())).containsExactly("[stderr] err-1");
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
        List<StepRun> runs = awaitValue("the step's attempt started", () -> cli.api.history(step), h -> !h.isEmpty());
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
