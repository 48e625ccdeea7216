package dev.tasksync.docker;

import dev.tasksync.RunResult;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.spi.StepType;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.tasksync.testing.Awaits.await;

/** One owner per connection: ServiceLoader's types share one that their TaskSync closes; a caller's stays the caller's. */
class DockerConnectionIT extends DockerITBase {

    private String runTrue() {
        return "{\"docker_run\": {\"image_tag\": \"" + image + "\", \"command\": [\"true\"]}}";
    }

    @Test
    void theServiceLoaderTypesShareOneConnectionAndLeaveNoThreadWhenTheirTaskSyncCloses() throws InterruptedException {
        Set<Thread> before = dockerThreads(); // of other tests' connections
        try (TaskSync plain = TestDatabase.builder().build()) { // no types registered in code: ServiceLoader's
            Task t = plain.createTask("plain-" + System.nanoTime(), "new", dir.toString());
            plain.createStep(t.id(), "run", runTrue());
            plain.createStep(t.id(), "shell", "{\"docker_shell\": {\"docker\": {\"image_tag\": \"" + image + "\"}, \"command\": [\"true\"]}}");
            RunResult r = plain.run(t.id());
            assertThat(r.succeeded()).as(r.toString()).isTrue();
        }
        // Nothing of the module outlives it: no pool of its own, no stream of docker-java left following.
        await("the module's threads gone", Duration.ofSeconds(20), () -> left(before).isEmpty());
        assertThat(left(before)).isEmpty();
    }

    @Test
    void aProviderClosesItsConnectionForGoodAndATaskSyncLeavesACallersConnectionOpen() {
        DockerStepTypeProvider provider = new DockerStepTypeProvider(DockerConnection::fromEnvironment);
        try (TaskSync mine = TestDatabase.builder().stepType(provider.stepTypes().toArray(new StepType<?>[0])).build()) {
            Task t = mine.createTask("caller-" + System.nanoTime(), "new", dir.toString());
            mine.createStep(t.id(), "run", runTrue());
            assertThat(mine.run(t.id()).succeeded()).isTrue();
        }
        assertThat(provider.connection().isOpen()).isTrue(); // registered in code: the caller's

        provider.close();
        assertThat(provider.connection().isOpen()).isFalse();
        assertThatThrownBy(() -> provider.connection().apiVersion()).hasMessageContaining("is closed");
        try (TaskSync again = TestDatabase.builder().stepType(provider.stepTypes().toArray(new StepType<?>[0])).build()) {
            // Not reopened behind the owner's back: the step fails, saying why.
            Task other = again.createTask("after-close-" + System.nanoTime(), "new", dir.toString());
            again.createStep(other.id(), "run", runTrue());
            RunResult r = again.run(other.id());
            assertThat(results(r, "run").get("error").asText()).contains("is closed");
        }
    }

    private static Set<Thread> dockerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("task-sync-docker") || t.getName().startsWith("docker-java"))
                .collect(Collectors.toSet());
    }

    /** The module's threads alive now that were not before. */
    private static List<String> left(Set<Thread> before) {
        return dockerThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName).toList();
    }
}
