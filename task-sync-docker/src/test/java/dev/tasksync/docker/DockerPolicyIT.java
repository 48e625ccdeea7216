package dev.tasksync.docker;

import dev.tasksync.RunResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.Assertions;

import static org.assertj.core.api.Assertions.assertThat;

/** An operator's DockerPolicy refuses host mounts and host shell commands when a step runs, naming the setting. */
class DockerPolicyIT extends DockerITBase {

    private TaskSync withPolicy(DockerPolicy policy) {
        return TestDatabase.builder().stepType(DockerStepTypes.all(docker, policy)).build();
    }

    @Test
    void aRestrictedWorkerRefusesBindMountsAndHostShellCommands() throws Exception {
        DockerTestSupport.context(dir);
        try (TaskSync restricted = withPolicy(DockerPolicy.restricted())) {
            Task t = restricted.createTask("policy-" + System.nanoTime(), "new", dir.toString());
            restricted.createStep(t.id(), "host", "{\"docker_run\": {\"image_tag\": \"" + image + "\", \"mounts\": [\"/:/host\"], "
                    + "\"command\": [\"touch\", \"/host" + dir.resolve("written-through-mount") + "\"]}}");
            restricted.createStep(t.id(), "build", "{\"docker_build\": {\"image_tag\": \"tsd-policy-it:1\", "
                    + "\"shell\": [\"touch ran-on-host\"]}}");
            RunResult r = restricted.run(t.id());
            assertThat(result(r, "host").status()).isEqualTo(StepStatus.FAILED);
            assertThat(results(r, "host").get("error").asText()).contains("'/'").contains(DockerPolicy.MOUNTS_ENV);
            assertThat(DockerTestSupport.labelled(docker, restricted, t.id(), r.step("host").orElseThrow().stepId())).isEmpty();
            assertThat(dir.resolve("written-through-mount")).doesNotExist();
            assertThat(result(r, "build").status()).isEqualTo(StepStatus.FAILED);
            assertThat(results(r, "build").get("error").asText()).contains(DockerPolicy.HOST_SHELL_ENV);
            assertThat(dir.resolve("ran-on-host")).doesNotExist();
        }
    }

    @Test
    void mountRootsAllowMountsFromInsideThemOnly() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/in.txt"), "inside\n");
        try (TaskSync rooted = withPolicy(DockerPolicy.permissive().withMountRoots(dir.resolve("data")))) {
            Task t = rooted.createTask("roots-" + System.nanoTime(), "new", dir.toString());
            rooted.createStep(t.id(), "inside", "{\"docker_run\": {\"image_tag\": \"" + image + "\", \"mounts\": [\"data:/data:ro\"], "
                    + "\"command\": [\"cat\", \"/data/in.txt\"]}}");
            rooted.createStep(t.id(), "outside", "{\"docker_run\": {\"image_tag\": \"" + image + "\", \"mounts\": [\"data/..:/up\"], "
                    + "\"command\": [\"ls\", \"/up\"]}}");
            RunResult r = rooted.run(t.id());
            assertThat(result(r, "inside").status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
            assertThat(results(r, "inside").get("stdout").asText()).isEqualTo("inside\n");
            assertThat(result(r, "outside").status()).isEqualTo(StepStatus.FAILED);
            assertThat(results(r, "outside").get("error").asText()).contains("'data/..'").contains("allows mounts only from")
                    .contains(dir.resolve("data").toString());
        }
    }

    @Test
    void theEnvironmentNamesThePolicy() {
        assertThat(DockerPolicy.from(null, null)).isEqualTo(DockerPolicy.permissive());
        assertThat(DockerPolicy.from("none", "false")).isEqualTo(DockerPolicy.restricted());
        assertThat(DockerPolicy.from("/srv/a:/srv/b", null).mountRoots()).containsExactly(Path.of("/srv/a"),
                Path.of("/srv/b"));
        Assertions.assertThatThrownBy(() -> DockerPolicy.from(null, "maybe"))
                .hasMessageContaining(DockerPolicy.HOST_SHELL_ENV);
    }
}
