package dev.tasksync.docker;

import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.StepRun;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import dev.tasksync.testing.Awaits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run killed with SIGKILL leaves its container and its host shell commands running; the next attempt of each step
 * removes them before it starts its own, so two attempts of a step never run at once.
 */
class OrphanIT extends DockerITBase {
    private Process victim;

    private Step runStep;

    @AfterEach
    void cleanUp() throws Exception {
        if (victim != null) {
            victim.destroyForcibly();
        }
        // Whatever the outcome, the waiting container and shell commands end, and no container is left.
        Files.createDirectories(dir.resolve("ctl"));
        Files.writeString(dir.resolve("ctl/stop"), "");
        if (runStep != null) {
            containers(runStep).forEach(c -> docker.client().removeContainerCmd(c.getId()).withForce(true).exec());
        }
    }

    @Override
    @BeforeEach
    void open() {
        DockerTestSupport.assumeAvailable(unavailable);
        ts = TestDatabase.builder().workerOptions(RunTaskMain.OPTIONS).stepType(DockerStepTypes.all(docker)).build();
    }

    @Test
    void theNextAttemptRemovesTheContainerAndKillsTheShellCommandsOfAKilledRunBeforeItStarts() throws Exception {
        Path stop = dir.resolve("ctl/stop");
        Files.createDirectories(stop.getParent());
        DockerTestSupport.context(dir);
        // Both wait for the stop file: a container, and a host shell command with a marker only this test uses.
        String marker = "orphan-it-" + System.nanoTime();
        String hostWait = "while [ ! -e " + stop + " ]; do sleep 0.1; done; : " + marker;
        Task t = task();
        Step run = runStep = step(t, "run", "{\"docker_run\": {\"image_tag\": \"" + image + "\", \"mounts\": [\"ctl:/ctl\"], "
                + "\"command\": [\"sh\", \"-c\", \"while [ ! -e /ctl/stop ]; do sleep 0.1; done\"]}}");
        step(t, "build", "{\"docker_build\": {\"image_tag\": \"tsd-orphan-it:1\", \"shell\": [\"" + hostWait + "\"]}}");

        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        victim = new ProcessBuilder(javaBin, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                RunTaskMain.class.getName(), TestDatabase.jdbcUrl(), TestDatabase.user(), TestDatabase.password(),
                ts.schema(), String.valueOf(t.id()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        Container first = await("the killed run's container", () -> containers(run).stream()
                .filter(c -> "running".equals(c.getState())).findFirst());
        ProcessHandle firstShell = await("the killed run's shell command", () -> shell(marker));
        assertThat(first.getLabels()).containsEntry(DockerStepTypes.LABEL_ATTEMPT, "1").containsKey(DockerStepTypes.LABEL_STORE);

        victim.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, nothing cleaned up
        assertThat(docker.client().inspectContainerCmd(first.getId()).exec().getState().getRunning()).isTrue();
        assertThat(firstShell.isAlive()).isTrue();

        CompletableFuture<RunResult> again = CompletableFuture.supplyAsync(() -> ts.run(t.id()));
        Container second = await("the next attempt's container", () -> containers(run).stream()
                .filter(c -> !c.getId().equals(first.getId())).findFirst());
        // The earlier attempt's container was gone before this one was created.
        assertThat(second.getLabels()).containsEntry(DockerStepTypes.LABEL_ATTEMPT, "2");
        assertThatThrownBy(() -> docker.client().inspectContainerCmd(first.getId()).exec()).isInstanceOf(NotFoundException.class);
        ProcessHandle secondShell = await("the next attempt's shell command", () -> shell(marker)
                .filter(p -> p.pid() != firstShell.pid()));
        assertThat(firstShell.isAlive()).as("the killed run's shell command").isFalse();
        assertThat(secondShell.isAlive()).isTrue();

        Files.writeString(stop, "");
        RunResult r = again.get(5, TimeUnit.MINUTES);
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        List<StepRun> history = ts.history(run.id());
        assertThat(history).extracting(StepRun::attempt).containsExactly(1, 2);
        assertThat(history.get(1).logTail()).contains("removing container " + DockerOps.shortId(first.getId()));
        DockerTestSupport.removeImage(docker, "tsd-orphan-it:1");
    }

    /** The step's containers, of this test's local_path only (other tests may share the engine and the ids). */
    private List<Container> containers(Step step) {
        return docker.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerStepTypes.LABEL_TASK, String.valueOf(step.taskId()),
                        DockerStepTypes.LABEL_STEP, String.valueOf(step.id())))
                .exec().stream()
                .filter(c -> c.getMounts() != null && c.getMounts().stream().anyMatch(m -> String.valueOf(m.getSource()).startsWith(dir.toString())))
                .toList();
    }

    private static Optional<ProcessHandle> shell(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker) && c.contains("sh -c")).orElse(false))
                .findFirst();
    }

    private static <T> T await(String what, Supplier<Optional<T>> probe) {
        return Awaits.awaitValue(what, Duration.ofMinutes(2), probe::get, Optional::isPresent, () -> "").orElseThrow();
    }
}
