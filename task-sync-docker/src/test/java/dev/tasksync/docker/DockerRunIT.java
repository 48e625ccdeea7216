package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.Version;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.RunOptions;
import dev.tasksync.LogLine;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.tasksync.testing.Awaits.await;

class DockerRunIT extends DockerITBase {

    private String run(String fields) {
        return "{\"docker_run\": {\"image_tag\": \"" + image + "\", " + fields + "}}";
    }

    @Test
    void runsToCompletionKeepingStdoutAndStderrApartAndRemovesTheContainer() {
        Task t = task();
        step(t, "run", run("\"command\": [\"sh\", \"-c\", \"echo \\\"$GREETING from $(pwd)\\\"; echo oops >&2\"], "
                + "\"env\": {\"GREETING\": \"hello\"}, \"working_dir\": \"/tmp\""));
        RunResult r = ts.run(t.id());
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        JsonNode res = results(r, "run");
        assertThat(res.get("stdout").asText()).isEqualTo("hello from /tmp\n");
        assertThat(res.get("stderr").asText()).isEqualTo("oops\n");
        assertThat(res.get("exit_code").asInt()).isZero();
        assertThat(res.get("duration_ms").asLong()).isPositive();
        assertThat(res.get("image_id").asText()).isEqualTo(docker.client().inspectImageCmd(image).exec().getId());
        assertThat(res.has("container_id")).isFalse();
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
        // the attempt's full log says which stream each line came from
        int id = ts.steps(t.id()).get(0).id();
        assertThat(ts.logs(id, 1).filter(l -> l.stream() == LogLine.Stream.STDERR).map(LogLine::text)).containsExactly("[stderr] oops");
        assertThat(ts.logs(id, 1)).anyMatch(l -> l.stream() == LogLine.Stream.STDOUT && l.text().equals("hello from /tmp"));
    }

    @Test
    void outputWrittenJustBeforeAnImmediateExitIsKeptWhole() {
        // Attached before the start, read to the end although the engine removes the container as it exits.
        Task t = task();
        step(t, "burst", run("\"command\": [\"sh\", \"-c\", \"echo first; i=0; while [ $i -lt 3000 ]; do echo line $i; "
                + "echo err $i >&2; i=$((i+1)); done; printf last\"]"));
        step(t, "instant", run("\"command\": [\"echo\", \"at once\"]"));
        RunResult r = ts.run(t.id());
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        String out = results(r, "burst").get("stdout").asText();
        String err = results(r, "burst").get("stderr").asText();
        assertThat(out).endsWith("line 2998\nline 2999\nlast").doesNotContain("err ");
        assertThat(out.length()).isEqualTo(Output.TAIL_CHARS);
        assertThat(err).endsWith("err 2998\nerr 2999\n").doesNotContain("line ");
        assertThat(results(r, "instant").get("stdout").asText()).isEqualTo("at once\n");
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }

    @Test
    void nonZeroExitFailsUnlessListedAsOk() {
        Task t = task();
        step(t, "fails", run("\"command\": [\"sh\", \"-c\", \"echo bad input >&2; exit 4\"]"));
        step(t, "tolerated", run("\"command\": [\"sh\", \"-c\", \"exit 4\"], \"ok_exit_codes\": [0, 4]"));
        RunResult r = ts.run(t.id());
        assertThat(result(r, "fails").status()).isEqualTo(StepStatus.FAILED);
        assertThat(results(r, "fails").get("error").asText()).contains("exited with 4").contains(image).contains("bad input");
        assertThat(results(r, "fails").get("exit_code").asInt()).isEqualTo(4);
        assertThat(result(r, "tolerated").status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(results(r, "tolerated").get("exit_code").asInt()).isEqualTo(4);
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }

    @Test
    void bindMountsReadWriteAndReadOnly() throws IOException {
        write("in/data.txt", "from host\n");
        Files.createDirectories(dir.resolve("out"));
        Task t = task();
        step(t, "rw", run("\"command\": [\"sh\", \"-c\", \"cat /in/data.txt > /out/copy.txt\"], "
                + "\"mounts\": [{\"source\": \"in\", \"target\": \"/in\", \"read_only\": true}, \"out:/out\"]"));
        step(t, "ro", run("\"command\": [\"sh\", \"-c\", \"echo x > /in/new.txt\"], \"mounts\": [\"in:/in:ro\"]"));
        RunResult r = ts.run(t.id());
        assertThat(result(r, "rw").status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
        assertThat(Files.readString(dir.resolve("out/copy.txt"))).isEqualTo("from host\n");
        assertThat(result(r, "ro").status()).isEqualTo(StepStatus.FAILED);
        assertThat(results(r, "ro").get("stderr").asText()).containsIgnoringCase("read-only");
        assertThat(Files.exists(dir.resolve("in/new.txt"))).isFalse();
    }

    @Test
    void containersOfAnotherStoreWhoseTaskHasTheSameIdAreNeitherListedNorRemoved() {
        try (TaskSync other = TestDatabase.builder().stepType(DockerStepTypes.all(docker)).build()) {
            Task mine = task();
            Task theirs = other.createTask("other-" + System.nanoTime(), "new", dir.toString());
            while (theirs.id() < mine.id()) { // both schemas number their tasks from 1: give them the same id
                theirs = other.createTask("other-" + System.nanoTime(), "new", dir.toString());
            }
            assertThat(theirs.id()).isEqualTo(mine.id());
            String settings = run("\"command\": [\"sh\", \"-c\", \"sleep 600\"], \"detach\": true");
            step(mine, "svc", settings);
            other.createStep(theirs.id(), "svc", settings);
            assertThat(ts.storeId()).isNotEqualTo(other.storeId());
            try {
                String myContainer = results(ts.run(mine.id()), "svc").get("container_id").asText();
                String theirContainer = results(other.run(theirs.id()), "svc").get("container_id").asText();
                assertThat(DockerTestSupport.labelsOf(docker, myContainer)).containsEntry(DockerStepTypes.LABEL_STORE, ts.storeId());
                assertThat(DockerStepTypes.containers(docker, ts, mine.id(), null)).containsExactly(myContainer);
                assertThat(DockerStepTypes.containers(docker, other, theirs.id(), null)).containsExactly(theirContainer);

                assertThat(DockerStepTypes.removeContainers(docker, ts, mine.id())).isEqualTo(1);
                assertThat(docker.client().inspectContainerCmd(theirContainer).exec().getState().getRunning()).isTrue();
            } finally {
                DockerStepTypes.removeContainers(docker, ts, mine.id());
                DockerStepTypes.removeContainers(docker, other, theirs.id());
            }
            assertThat(DockerStepTypes.containers(docker, other, theirs.id(), null)).isEmpty();
        }
    }

    @Test
    void detachKeepsALabelledContainerAndAReRunReplacesTheContainerOfTheSameName() {
        Task t = task();
        String name = "tsd-svc-" + t.id() + "-" + System.nanoTime();
        Step s = step(t, "svc", run("\"command\": [\"sh\", \"-c\", \"echo up; sleep 600\"], \"detach\": true, \"container_name\": \"" + name + "\""));
        try {
            RunResult first = ts.run(t.id());
            assertThat(first.succeeded()).as(first.toString()).isTrue();
            String id1 = results(first, "svc").get("container_id").asText();
            assertThat(results(first, "svc").get("container_name").asText()).isEqualTo(name);
            assertThat(docker.client().inspectContainerCmd(id1).exec().getState().getRunning()).isTrue();
            assertThat(DockerTestSupport.labelsOf(docker, id1))
                    .containsEntry(DockerStepTypes.LABEL_TASK, String.valueOf(t.id()))
                    .containsEntry(DockerStepTypes.LABEL_STEP, String.valueOf(s.id()));
            assertThat(ts.run(t.id()).step("svc").orElseThrow().executed()).isFalse();

            RunResult again = ts.run(t.id(), RunOptions.defaults().withForce(true));
            String id2 = results(again, "svc").get("container_id").asText();
            assertThat(id2).isNotEqualTo(id1);
            assertThat(DockerTestSupport.labelled(docker, ts, t.id(), s.id())).containsExactly(id2);
            assertThat(docker.client().inspectContainerCmd(name).exec().getId()).isEqualTo(id2);

            docker.client().removeContainerCmd(id2).withForce(true).exec();
            assertThat(ts.plan(t.id()).steps().get(0).reason()).contains("is gone");
            assertThat(ts.run(t.id()).step("svc").orElseThrow().executed()).isTrue();
        } finally {
            assertThat(DockerStepTypes.removeContainers(docker, ts, t.id())).isEqualTo(1);
        }
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }

    @Test
    void aTimeoutRemovesTheContainer() throws InterruptedException {
        Task t = task();
        step(t, "slow", run("\"command\": [\"sleep\", \"60\"], \"timeout_seconds\": 1"));
        RunResult r = ts.run(t.id());
        // Failed as timed out (the 60 s command would have succeeded): no wall-clock bound needed.
        assertThat(result(r, "slow").status()).isEqualTo(StepStatus.FAILED);
        assertThat(results(r, "slow").get("error").asText()).contains("timed out");
        awaitNoContainers(t.id());
    }

    @Test
    void cancellationRemovesTheContainer() throws Exception {
        DockerRunStepType type = new DockerRunStepType(docker);
        DockerRun settings = DockerRun.of(image, "sleep", "60");
        int taskId = 900_000 + (int) (System.nanoTime() % 10_000);
        AtomicBoolean cancel = new AtomicBoolean();
        AtomicReference<Thread> stepThread = new AtomicReference<>();
        CompletableFuture<StepOutcome> outcome = CompletableFuture.supplyAsync(() -> {
            try {
                stepThread.set(Thread.currentThread());
                return type.execute(new TestContext<>(taskId, 1, dir, settings, cancel::get));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        await("the step's container", Duration.ofSeconds(20),
                () -> !DockerTestSupport.labelledOutsideAStore(docker, taskId, 1).isEmpty());
        List<String> during = DockerTestSupport.labelledOutsideAStore(docker, taskId, 1);
        assertThat(during).hasSize(1);
        // The engine removes it by itself once it exits (like `docker run --rm`), even if this process died first.
        assertThat(docker.client().inspectContainerCmd(during.get(0)).exec().getHostConfig().getAutoRemove()).isTrue();
        cancel.set(true);
        stepThread.get().interrupt(); // as the engine stops a step: its flag, then an interrupt of its thread
        StepOutcome o = outcome.get(20, TimeUnit.SECONDS);
        assertThat(o.succeeded()).isFalse();
        assertThat(o.error()).contains("cancelled");
        assertThat(DockerTestSupport.labelledOutsideAStore(docker, taskId, 1)).isEmpty();
    }

    @Test
    void cancellingTheTaskRemovesItsContainer() throws Exception {
        Task t = task();
        Step s = step(t, "slow", run("\"command\": [\"sleep\", \"60\"]"));
        CompletableFuture<RunResult> running = CompletableFuture.supplyAsync(() -> ts.run(t.id()));
        await("the step's container", Duration.ofSeconds(20), () -> !DockerTestSupport.labelled(docker, ts, t.id(), s.id()).isEmpty());
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), s.id())).hasSize(1);
        ts.cancelTask(t.id());
        RunResult r = running.get(60, TimeUnit.SECONDS);
        assertThat(result(r, "slow").status()).isNotEqualTo(StepStatus.COMPLETED);
        awaitNoContainers(t.id());
    }

    /** Cleanup after a stop happens on the step's thread: allow it a moment. */
    void awaitNoContainers(int taskId) {
        await("the task's containers removed", Duration.ofSeconds(30), () -> DockerTestSupport.labelled(docker, ts, taskId, null).isEmpty());
        assertThat(DockerTestSupport.labelled(docker, ts, taskId, null)).isEmpty();
    }

    @Test
    void failuresNameTheImageOrEngineAndLeaveNoContainer() {
        Task t = task();
        step(t, "unknown image", "{\"docker_run\": {\"image_tag\": \"tsd-no-such-image:404\", \"command\": [\"true\"]}}");
        step(t, "not found", run("\"command\": [\"/no/such/binary\"]"));
        // without an image and with no docker_build upstream it could only fail: refused when created
        assertThatThrownBy(() -> step(t, "no image", "{\"docker_run\": {\"command\": [\"true\"]}}"))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("$.docker_run.image_tag").hasMessageContaining("docker_build");
        RunResult r = ts.run(t.id());
        assertThat(results(r, "unknown image").get("error").asText())
                .contains("image 'tsd-no-such-image:404' not found").contains(docker.host());
        assertThat(results(r, "not found").get("error").asText()).contains("starting container").contains(image)
                .contains("/no/such/binary").contains(docker.host());
        assertThat(r.count(StepStatus.FAILED)).isEqualTo(2);
        assertThat(ts.steps(t.id())).hasSize(2);
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }

    @Test
    void anEngineSpokenToBelowApi130RunsToCompletionTheOldWayWithoutAutoRemove() throws Exception {
        // Before API 1.30 a wait takes no condition: no auto-remove, the wait after the output ends, then a remove.
        try (DockerConnection legacy = DockerConnection.builder().host(docker.host()).apiVersion("1.29").build();
             TaskSync other = TestDatabase.builder().stepType(DockerStepTypes.all(legacy)).build()) {
            assertThat(new DockerOps(legacy).autoRemoves()).isFalse();
            Task t = other.createTask("legacy-api-" + System.nanoTime(), "new", dir.toString());
            other.createStep(t.id(), "run", run("\"command\": [\"sh\", \"-c\", \"echo out; echo err >&2; exit 3\"], \"ok_exit_codes\": [3]"));
            other.createStep(t.id(), "fails", run("\"command\": [\"sh\", \"-c\", \"exit 5\"]"));
            RunResult r = other.run(t.id());
            assertThat(results(r, "run").get("stdout").asText()).as(r.toString()).isEqualTo("out\n");
            assertThat(results(r, "run").get("stderr").asText()).isEqualTo("err\n");
            assertThat(results(r, "run").get("exit_code").asInt()).isEqualTo(3);
            assertThat(results(r, "run").get("image_id").asText()).isEqualTo(docker.client().inspectImageCmd(image).exec().getId());
            assertThat(result(r, "run").status()).isEqualTo(StepStatus.COMPLETED);
            assertThat(results(r, "fails").get("exit_code").asInt()).isEqualTo(5);
            assertThat(result(r, "fails").status()).isEqualTo(StepStatus.FAILED);
            assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
        }
        assertThat(new DockerOps(docker).autoRemoves()).isTrue();
    }

    @Test
    void anUnreachableEngineIsNamed() {
        DockerConnection nowhere = DockerConnection.of("tcp://127.0.0.1:1");
        assertThat(nowhere.isAvailable()).isFalse();
        try (TaskSync other = TestDatabase.builder().stepType(DockerStepTypes.all(nowhere)).build()) {
            Task t = other.createTask("unreachable", "new", dir.toString());
            other.createStep(t.id(), "run", run("\"command\": [\"true\"]"));
            RunResult r = other.run(t.id());
            assertThat(results(r, "run").get("error").asText()).contains("cannot reach the Docker engine at tcp://127.0.0.1:1");
        }
        DockerConnection noSocket = DockerConnection.of("unix:///nonexistent/docker.sock");
        assertThat(noSocket.isAvailable()).isFalse();
        try (TaskSync other = TestDatabase.builder().stepType(DockerStepTypes.all(noSocket)).build()) {
            Task t = other.createTask("no-socket", "new", dir.toString());
            other.createStep(t.id(), "build", "{\"docker_build\": {\"image_tag\": \"x:1\"}}");
            other.createStep(t.id(), "shell", "{\"docker_shell\": {\"docker\": {\"container_name\": \"c\"}, \"command\": [\"true\"]}}");
            DockerTestSupport.context(dir);
            RunResult r = other.run(t.id());
            assertThat(results(r, "build").get("error").asText()).contains("cannot reach the Docker engine at unix:///nonexistent/docker.sock");
            assertThat(results(r, "shell").get("error").asText()).contains("cannot reach the Docker engine at unix:///nonexistent/docker.sock");
        }
    }

    @Test
    void apiVersionIsNegotiatedAndCanBePinned() {
        Version v = docker.client().versionCmd().exec();
        assertThat(docker.apiVersion()).isEqualTo(ApiVersions.negotiate(v.getApiVersion(), v.getMinAPIVersion(),
                DockerConnection.CLIENT_MAX_API_VERSION));
        assertThat(ApiVersions.compare(docker.apiVersion(), DockerConnection.CLIENT_MAX_API_VERSION)).isLessThanOrEqualTo(0);
        try (DockerConnection pinned = DockerConnection.builder().host(docker.host()).apiVersion(v.getApiVersion()).build()) {
            assertThat(pinned.apiVersion()).isEqualTo(v.getApiVersion());
            assertThat(pinned.isAvailable()).isTrue();
        }
        assertThat(Map.of("v", docker.apiVersion())).isNotEmpty();
    }

    @Test
    void runsAnImageGivenById() {
        String full = docker.client().inspectImageCmd(image).exec().getId();
        Task t = task();
        step(t, "by id", "{\"docker_run\": {\"image_id\": \"" + full + "\", \"command\": \"echo by id\"}}");
        RunResult r = ts.run(t.id());
        assertThat(results(r, "by id").get("stdout").asText()).as(r.toString()).isEqualTo("by id\n");
        assertThat(results(r, "by id").get("image").asText()).isEqualTo(full);
    }

    @Test
    void badSettingsAreRefusedAtCreateTimeNamingTheField() {
        Task t = task();
        assertThatThrownBy(() -> step(t, "bad",
                        "{\"docker_run\": {\"image_tag\": \"" + image + "\", \"mounts\": [{\"source\": \"a\", \"target\": \"rel\"}]}}"))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("$.docker_run.mounts[0].target");
        assertThatThrownBy(() -> step(t, "bad",
                        "{\"docker_shell\": {\"docker\": {\"image_tag\": \"x\"}, \"command\": [{\"command\": \"ls\", \"x\": \"y\"}]}}"))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("$.docker_shell.command[0]");
        assertThat(ts.steps(t.id())).isEmpty();
    }

    /** The container's 200 MB line passes through a JVM of 128 MB heap: cut in the log, the cut reported. */
    @Test
    void aLineOf200MegabytesWithNoNewlineIsProcessedInBoundedMemory() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Xmx128m", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                BoundedOutputMain.class.getName(), image).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("success=true", "exit_code=0", "log_lines_cut=1", "stdout_length=" + Output.TAIL_CHARS)
                .contains("[line cut: longer than " + Output.MAX_LINE_BYTES + " bytes]")
                .contains("went on for " + (200_000_000 - Output.MAX_LINE_BYTES) + " more bytes");
        int longest = Integer.parseInt(out.replaceAll("(?s).*longest_log_line=(\\d+).*", "$1"));
        assertThat(longest).isLessThan(Output.MAX_LINE_BYTES + 100);
    }
}
