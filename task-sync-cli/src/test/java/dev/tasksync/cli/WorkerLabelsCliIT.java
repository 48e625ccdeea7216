package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.StepStatus;
import dev.tasksync.Worker;
import dev.tasksync.WorkerOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;

/**
 * runs_on through the CLI: a task default (task create --runs-on), a step's own, waits said by plan, step show and
 * task show, workers listed by worker list; bad labels refused with exit 2 and nothing stored.
 */
class WorkerLabelsCliIT {
    static final WorkerOptions FAST = WorkerOptions.defaults().withConcurrency(2)
            .withLease(Duration.ofMillis(1500), Duration.ofMillis(200)).withPollInterval(Duration.ofMillis(200))
            .withShutdownGrace(Duration.ofMillis(200));
    @RegisterExtension
    final CliHarness cli = new CliHarness();

    @TempDir
    Path dir;

    @BeforeEach
    void open() throws Exception {
        Files.writeString(dir.resolve("a.txt"), "a");
    }

    @Test
    void aTaskDefaultAndAStepsOwnRunsOnDecideWhichWorkerClaimsAndPlanAndShowSayWhy() throws Exception {
        cli.ok("task", "create", "--name", "t", "--local-path", dir.toString(), "--runs-on", "gpu");
        cli.ok("step", "create", "--task-id", "1", "--title", "inherits", "--settings", "{\"file_exists\": \"a.txt\"}");
        cli.ok("step", "create", "--task-id", "1", "--title", "eu", "--settings",
                "{\"file_exists\": {\"paths\": [\"a.txt\"], \"runs_on\": [\"region=eu\"]}}");
        assertThat(cli.ok("task", "show", "1").out()).contains("runs on:    gpu");
        cli.ok("submit", "--task-id", "1");
        // No worker at all: both wait, and say for which label.
        String plan = cli.ok("plan", "--task-id", "1").out();
        assertThat(plan).contains("step 1 waits for a worker with label gpu: no live worker has it")
                .contains("step 2 waits for a worker with label region=eu: no live worker has it");
        try (Worker gpu = cli.api.worker(FAST.withLabels("gpu"))) {
            await("the gpu step", () -> cli.api.step(1).status() == StepStatus.COMPLETED);
            assertThat(cli.api.step(2).status()).isEqualTo(StepStatus.NEW);
            assertThat(cli.ok("step", "show", "2").out()).contains("waits:      waits for a worker with label region=eu");
            JsonNode show = Json.MAPPER.readTree(cli.ok("task", "show", "1", "--json").out());
            assertThat(show.path("waits").path("2").asText()).contains("label region=eu");
            assertThat(show.path("waits").has("1")).isFalse();
            JsonNode workers = Json.MAPPER.readTree(cli.ok("worker", "list", "--json").out());
            assertThat(workers).hasSize(1);
            assertThat(workers.get(0).path("id").asText()).isEqualTo(gpu.id());
            assertThat(workers.get(0).path("labels").toString()).isEqualTo("[\"gpu\"]");
            assertThat(workers.get(0).path("live").asBoolean()).isTrue();
            assertThat(cli.ok("worker", "list").out()).contains(gpu.id()).contains("gpu").contains("live");
        }
        assertThat(cli.ok("worker", "list").out()).contains("stopped");
        assertThat(cli.api.history(1)).hasSize(1);
    }

    @Test
    void badLabelsAreRefusedWithTheFieldNamedAndNothingStored() {
        CliHarness.Result r = cli.run("task", "create", "--name", "t", "--runs-on", "no spaces");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("runs_on").contains("no spaces");
        assertThat(cli.api.tasks()).isEmpty();
        cli.ok("task", "create", "--name", "t", "--local-path", dir.toString());
        r = cli.run("step", "create", "--task-id", "1", "--title", "x", "--settings",
                "{\"file_exists\": {\"paths\": [\"a.txt\"], \"runs_on\": \"gpu\"}}");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("$.file_exists.runs_on");
        assertThat(cli.api.steps(1)).isEmpty();
        r = cli.run("worker", "--label", "a b");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--label").contains("'a b'");
    }
}
