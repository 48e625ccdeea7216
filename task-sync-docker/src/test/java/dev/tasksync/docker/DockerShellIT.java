package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.LogLine;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DockerShellIT extends DockerITBase {

    @Test
    void handOffBuildThenDetachedRunThenShellInThatContainer() throws IOException {
        DockerTestSupport.context(dir, "COPY app.txt /app.txt", "RUN mkdir -p /tmp");
        write("app.txt", "v1\n");
        Task t = task();
        Step build = buildStep(t, "tsd-handoff:1", "app.txt");
        Step run = step(t, "serve", "{\"docker_run\": {\"command\": [\"sh\", \"-c\", \"cp /app.txt /tmp/state; sleep 600\"], "
                + "\"detach\": true, \"depends_on\": [{\"id\": " + build.id() + "}]}}");
        Step shell = step(t, "inspect", "{\"docker_shell\": {\"command\": [{\"command\": \"for i in $(seq 50); do [ -f /tmp/state ] && break; sleep 0.1; done; cat /tmp/state\"}, "
                + "{\"run_tests\": \"test -f /app.txt && echo tests ok\"}], \"depends_on\": [{\"id\": " + run.id() + "}]}}");
        try {
            RunResult r = ts.run(t.id());
            assertThat(r.succeeded()).as(r.toString()).isTrue();
            String imageBuilt = results(r, "build").get("image_id").asText();
            JsonNode served = results(r, "serve");
            assertThat(served.get("image").asText()).isEqualTo(imageBuilt);
            String container = served.get("container_id").asText();
            JsonNode inspected = results(r, "inspect");
            assertThat(inspected.get("container_id").asText()).isEqualTo(container);
            assertThat(inspected.has("fresh_container")).isFalse();
            JsonNode commands = inspected.get("commands");
            assertThat(commands.get(0).get("label").asText()).isEqualTo("command");
            assertThat(commands.get(0).get("stdout").asText()).isEqualTo("v1\n");
            assertThat(commands.get(0).get("command").asText()).endsWith("cat /tmp/state");
            assertThat(commands.get(1).get("label").asText()).isEqualTo("run_tests");
            assertThat(commands.get(1).get("stdout").asText()).isEqualTo("tests ok\n");
            assertThat(commands.get(1).get("exit_code").asInt()).isZero();
            assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).containsExactly(container);
            assertThat(DockerTestSupport.labelsOf(docker, container))
                    .containsEntry(DockerStepTypes.LABEL_TASK, String.valueOf(t.id()))
                    .containsEntry(DockerStepTypes.LABEL_STEP, String.valueOf(run.id()));
            assertThat(shell.id()).isPositive();
        } finally {
            DockerStepTypes.removeContainers(docker, ts, t.id());
            DockerTestSupport.removeImage(docker, "tsd-handoff:1");
        }
    }

    /**
     * The README's default: without a target and with no detached docker_run upstream (this one is attached, so its
     * container is gone), a fresh container of the image upstream. It used to fail with "kept no container".
     */
    @Test
    void withoutTargetAfterAnAttachedRunAFreshContainerOfItsImage() throws IOException {
        DockerTestSupport.context(dir, "COPY app.txt /app.txt");
        write("app.txt", "from the build\n");
        Task t = task();
        buildStep(t, "tsd-attached:1", "app.txt");
        step(t, "test", "{\"docker_run\": {\"command\": [\"true\"], \"depends_on\": [{\"id\": 1}]}}");
        Step shell = step(t, "inspect", "{\"docker_shell\": {\"command\": [\"cat /app.txt\"], \"depends_on\": [{\"id\": 2}]}}");
        try {
            RunResult r = ts.run(t.id());
            assertThat(r.succeeded()).as(r.toString()).isTrue();
            JsonNode inspected = results(r, "inspect");
            assertThat(inspected.get("fresh_container").asBoolean()).isTrue();
            assertThat(inspected.get("image").asText()).isEqualTo(results(r, "build").get("image_id").asText())
                    .isEqualTo(results(r, "test").get("image_id").asText());
            assertThat(inspected.get("commands").get(0).get("stdout").asText()).isEqualTo("from the build\n");
            assertThat(ts.history(shell.id()).get(0).logTail()).contains("a fresh container of the image of docker_run 'test'");
            assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
        } finally {
            DockerStepTypes.removeContainers(docker, ts, t.id());
            DockerTestSupport.removeImage(docker, "tsd-attached:1");
        }
    }

    @Test
    void targetsAContainerByIdOrNameAndStopsAtTheFirstFailure() {
        String name = "tsd-shell-target-" + System.nanoTime();
        String id = docker.client().createContainerCmd(image).withName(name).withCmd("sleep", "600")
                .withLabels(Map.of("dev.tasksync.test", "shell")).exec().getId();
        try {
            docker.client().startContainerCmd(id).exec();
            Task t = task();
            step(t, "by id", "{\"docker_shell\": {\"docker\": {\"container_id\": \"" + id + "\"}, "
                    + "\"command\": [{\"command\": \"echo one > /tmp/f\"}], \"working_dir\": \"/tmp\", \"env\": {\"X\": \"1\"}}}");
            step(t, "by name", "{\"docker_shell\": {\"docker\": {\"container_name\": \"" + name + "\"}, \"working_dir\": \"/tmp\", "
                    + "\"env\": [\"X=42\"], \"command\": [{\"command\": \"cat f; pwd; echo $X\"}, {\"check\": \"echo failing >&2; exit 5\"}, "
                    + "{\"command\": \"echo never\"}], \"depends_on\": [{\"id\": 1}]}}");
            RunResult r = ts.run(t.id());
            assertThat(result(r, "by id").status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
            assertThat(result(r, "by name").status()).isEqualTo(StepStatus.FAILED);
            JsonNode res = results(r, "by name");
            assertThat(res.get("commands")).hasSize(2);
            assertThat(res.get("commands").get(0).get("stdout").asText()).isEqualTo("one\n/tmp\n42\n");
            assertThat(res.get("commands").get(1).get("exit_code").asInt()).isEqualTo(5);
            assertThat(res.get("commands").get(1).get("stderr").asText()).isEqualTo("failing\n");
            assertThat(res.get("error").asText()).contains("check").contains("exited with 5").contains("failing");
            int byName = result(r, "by name").stepId();
            assertThat(ts.logs(byName, 1)).anyMatch(l -> l.stream() == LogLine.Stream.STDERR && l.text().endsWith("failing"))
                    .noneMatch(l -> l.stream() == LogLine.Stream.STDERR && l.text().endsWith("42"));
            // Existing containers are left as they were.
            assertThat(docker.client().inspectContainerCmd(id).exec().getState().getRunning()).isTrue();
        } finally {
            docker.client().removeContainerCmd(id).withForce(true).exec();
        }
    }

    @Test
    void anImageTargetGetsAFreshLabelledContainerRemovedAfterwards() {
        Task t = task();
        Step s = step(t, "fresh", "{\"docker_shell\": {\"docker\": {\"image_tag\": \"" + image + "\"}, "
                + "\"command\": [{\"command\": \"cat /proc/1/cmdline | tr '\\\\0' ' '\"}, {\"command\": \"echo second\"}]}}");
        RunResult r = ts.run(t.id());
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        JsonNode res = results(r, "fresh");
        assertThat(res.get("fresh_container").asBoolean()).isTrue();
        assertThat(res.get("commands").get(0).get("stdout").asText()).contains("sh -c");
        assertThat(res.get("commands").get(1).get("stdout").asText()).isEqualTo("second\n");
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), s.id())).isEmpty();
    }

    @Test
    void aCommandTimeoutFailsTheStepAndRemovesTheFreshContainer() {
        Task t = task();
        step(t, "hangs", "{\"docker_shell\": {\"docker\": {\"image_tag\": \"" + image + "\"}, \"command_timeout_seconds\": 1, "
                + "\"command\": [{\"command\": \"echo started; sleep 60\"}]}}");
        RunResult r = ts.run(t.id());
        JsonNode res = results(r, "hangs");
        assertThat(result(r, "hangs").status()).isEqualTo(StepStatus.FAILED);
        assertThat(res.get("error").asText()).contains("timed out after 1 s");
        assertThat(res.get("commands").get(0).get("timed_out").asBoolean()).isTrue();
        assertThat(res.get("commands").get(0).get("stdout").asText()).isEqualTo("started\n");
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }

    @Test
    void missingTargetsAreNamed() {
        Task t = task();
        step(t, "missing", "{\"docker_shell\": {\"docker\": {\"container_name\": \"tsd-no-such-container\"}, \"command\": [\"true\"]}}");
        step(t, "no image", "{\"docker_shell\": {\"docker\": {\"image_tag\": \"tsd-no-such-image:1\"}, \"command\": [\"true\"]}}");
        step(t, "command not found", "{\"docker_shell\": {\"docker\": {\"image_tag\": \"" + image + "\"}, \"command\": [\"no-such-tool --x\"]}}");
        RunResult r = ts.run(t.id());
        assertThat(results(r, "missing").get("error").asText())
                .contains("container 'tsd-no-such-container' not found").contains(docker.host());
        assertThat(results(r, "no image").get("error").asText()).contains("image 'tsd-no-such-image:1' not found").contains(docker.host());
        assertThat(results(r, "command not found").get("commands").get(0).get("exit_code").asInt()).isEqualTo(127);
        assertThat(results(r, "command not found").get("error").asText()).contains("no-such-tool").contains("127");
        assertThat(r.count(StepStatus.FAILED)).isEqualTo(3);
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
        assertThat(List.of(r.taskStatus())).containsExactly("failed");
    }
}
