package dev.tasksync;

import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Sleep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.tasksync.testing.Awaits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.tasksync.testing.TestSteps.titled;

/** Workers register themselves; runs_on labels decide which worker claims a step; plan and show say why a step waits. */
class WorkerPlacementIT {
    TaskSync ts;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new TestSteps.SleepType()).workerOptions(WorkerIT.FAST).build();
    }

    @AfterEach
    void close() {
        ts.close();
    }

    @Test
    void aWorkerRegistersItselfWithItsLabelsAndMarksItselfStoppedOnClose() throws Exception {
        Worker w = ts.worker(WorkerIT.FAST.withLabels("gpu", "region=eu"));
        RegisteredWorker row = ts.workers().stream().filter(r -> r.id().equals(w.id())).findFirst().orElseThrow();
        assertThat(row.live()).isTrue();
        assertThat(row.labels()).containsExactly("gpu", "region=eu");
        assertThat(row.host()).isNotBlank();
        assertThat(row.startedAt()).isNotNull();
        assertThat(row.stoppedAt()).isNull();
        var first = row.lastHeartbeat();
        // the loop renews its row (FAST: every few hundred milliseconds)
        await("heartbeat renewed", Duration.ofSeconds(10), () -> ts.workers().get(0).lastHeartbeat().isAfter(first));
        w.close();
        RegisteredWorker gone = ts.workers().stream().filter(r -> r.id().equals(w.id())).findFirst().orElseThrow();
        assertThat(gone.live()).isFalse();
        assertThat(gone.stoppedAt()).isNotNull();
    }

    @Test
    void aLabelledStepWaitsForAWorkerWithAllItsLabelsAndSaysSo() throws Exception {
        Task task = ts.save(TaskDefinition.named("labels")
                .step("anywhere", new Sleep(1))
                .step("gpu", new Sleep(1)).runsOn("gpu", "region=eu")
                .build());
        assertThat(Rows.query(ts, "SELECT settings::text AS s FROM ${schema}.steps WHERE title = 'gpu'").get(0).get("s").toString())
                .contains("\"runs_on\": [\"gpu\", \"region=eu\"]");
        ts.submit(task.id());
        try (Worker plain = ts.worker(WorkerIT.FAST); Worker half = ts.worker(WorkerIT.FAST.withLabels("gpu"))) {
            await("unlabelled step done", Duration.ofSeconds(20), () -> titled(ts, task, "anywhere").status() == StepStatus.COMPLETED);
            // Neither worker has both labels: the step stays new, and says why.
            assertThat(titled(ts, task, "gpu").status()).isEqualTo(StepStatus.NEW);
            assertThat(ts.waitReasons(task.id())).containsOnlyKeys(titled(ts, task, "gpu").id());
            assertThat(ts.waitReasons(task.id()).get(titled(ts, task, "gpu").id()))
                    .isEqualTo("waits for a worker with labels gpu, region=eu: no live worker has them all");
            try (Worker full = ts.worker(WorkerIT.FAST.withLabels("region=eu", "gpu", "ssd"))) {
                await("labelled step done", Duration.ofSeconds(20), () -> titled(ts, task, "gpu").status() == StepStatus.COMPLETED);
                assertThat(ts.history(titled(ts, task, "gpu").id())).extracting(StepRun::workerId).containsOnly(full.id());
                assertThat(ts.waitReasons(task.id())).isEmpty();
            }
        }
    }

    @Test
    void aTaskDefaultAppliesToStepsWithoutTheirOwnRunsOn() throws Exception {
        Task task = ts.save(TaskDefinition.named("default").runsOn("gpu")
                .step("inherits", new Sleep(1))
                .step("own", new Sleep(1)).runsOn()
                .build());
        ts.submit(task.id());
        try (Worker plain = ts.worker(WorkerIT.FAST)) {
            await("step with runs_on [] done", Duration.ofSeconds(20), () -> titled(ts, task, "own").status() == StepStatus.COMPLETED);
            assertThat(titled(ts, task, "inherits").status()).isEqualTo(StepStatus.NEW);
            assertThat(ts.waitReasons(task.id()).get(titled(ts, task, "inherits").id())).contains("label gpu");
        }
    }

    @Test
    void anInProcessRunIgnoresLabels() {
        Task task = ts.save(TaskDefinition.named("here").step("gpu", new Sleep(1)).runsOn("gpu").build());
        assertThat(ts.run(task.id()).succeeded()).isTrue();
    }

    @Test
    void runsOnIsCheckedWithTheFieldNamed() {
        Task task = ts.createTask("bad", null, null);
        assertThatThrownBy(() -> ts.createStep(task.id(), "s", "{\"sleep\": {\"millis\": 1, \"runs_on\": \"gpu\"}}"))
                .isInstanceOf(InvalidSettingsException.class).hasMessageContaining("$.sleep.runs_on").hasMessageContaining("array");
        assertThatThrownBy(() -> ts.createStep(task.id(), "s", "{\"sleep\": {\"millis\": 1, \"runs_on\": [\"g p u\"]}}"))
                .isInstanceOf(InvalidSettingsException.class).hasMessageContaining("$.sleep.runs_on[0]");
        assertThatThrownBy(() -> ts.createStep(task.id(), "s", "{\"sleep\": {\"millis\": 1, \"runs_on\": [\"gpu\", \"gpu\"]}}"))
                .isInstanceOf(InvalidSettingsException.class).hasMessageContaining("named twice");
        assertThat(ts.steps(task.id())).isEmpty();
        assertThatThrownBy(() -> WorkerOptions.defaults().withLabels("no spaces"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 'no spaces'");
        assertThat(List.of(ts.createStep(task.id(), "ok", "{\"sleep\": {\"millis\": 1, \"runs_on\": [\"gpu\"]}}"))).hasSize(1);
    }
}
