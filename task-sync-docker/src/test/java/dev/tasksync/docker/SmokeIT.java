package dev.tasksync.docker;

import dev.tasksync.RunResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeIT extends DockerITBase {
    @Test
    void runsAContainer() {
        Task t = task();
        step(t, "run", "{\"docker_run\": {\"image_tag\": \"" + image + "\", \"command\": [\"sh\", \"-c\", \"echo out; echo err >&2; exit 3\"], \"ok_exit_codes\": [3]}}");
        RunResult r = ts.run(t.id());
        System.out.println(r);
        System.out.println(docker.apiVersion());
        assertThat(result(r, "run").status()).isEqualTo(StepStatus.COMPLETED);
    }
}
