package dev.tasksync.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.Worker;
import dev.tasksync.WorkerOptions;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The workers page and {@code /api/workers}: live workers from the registry and the steps whose lease they hold. */
class ConsoleWorkersIT {
    final TestSteps.GateType gate = new TestSteps.GateType();
    @RegisterExtension
    final ConsoleHarness web = ConsoleHarness.withStepTypes(gate).beforeClose(gate.open::countDown);

    @Test
    void theWorkersPageShowsEachLiveWorkerAndTheStepItRunsNow() {
        HttpSession s = new HttpSession(web.console);
        assertThat(HttpSession.json(s.get("/api/workers"))).isEmpty();
        assertThat(s.get("/workers").body()).contains("No workers registered");

        Task t = web.ts.save(TaskDefinition.named("fleet").step(ConsoleApiIT.XSS, TestSteps.gate()).build());
        int stepId = web.ts.steps(t.id()).get(0).id();
        try (Worker w = web.ts.worker(WorkerOptions.defaults().withLabels("gpu", "region=eu").withPollInterval(Duration.ofMillis(100)))) {
            web.ts.submit(t.id());
            Awaits.until(() -> gate.started.get() == 1);

            JsonNode workers = HttpSession.json(s.get("/api/workers"));
            assertThat(workers).hasSize(1);
            JsonNode worker = workers.get(0);
            assertThat(worker.get("id").asText()).isEqualTo(w.id());
            assertThat(worker.get("live").asBoolean()).isTrue();
            assertThat(worker.get("host").asText()).isNotBlank();
            assertThat(worker.get("labels").toString()).contains("gpu").contains("region=eu");
            assertThat(worker.get("running")).hasSize(1);
            assertThat(worker.get("running").get(0).get("step_id").asInt()).isEqualTo(stepId);
            assertThat(worker.get("running").get(0).get("task_name").asText()).isEqualTo("fleet");

            String page = s.get("/workers").body();
            assertThat(page).contains(w.id()).contains("region=eu").contains("href=\"/steps/" + stepId + "\"")
                    .contains("&lt;script&gt;").doesNotContain(ConsoleApiIT.XSS);

            gate.open.countDown();
            Awaits.until(() -> web.ts.step(stepId).status() == StepStatus.COMPLETED);
            assertThat(HttpSession.json(s.get("/api/workers")).get(0).get("running")).isEmpty();
        }
        Awaits.until(() -> !HttpSession.json(s.get("/api/workers")).get(0).get("live").asBoolean());
        assertThat(s.get("/workers").body()).contains("stopped");
        assertThat(s.get("/api/openapi.yaml").body()).contains("/api/workers:");
    }
}
