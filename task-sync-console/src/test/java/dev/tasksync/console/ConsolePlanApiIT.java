package dev.tasksync.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /api/tasks/{id}/plan} gives what {@code plan --json} gives: each step's dependencies and the waits. */
class ConsolePlanApiIT {
    @RegisterExtension
    final ConsoleHarness web = ConsoleHarness.withStepTypes(new TestSteps.SleepType());

    @Test
    void thePlanEmbedsEachStepsDependenciesAndWhyStepsWaitForAWorker() {
        Task t = web.ts.save(TaskDefinition.named("gpu-job").runsOn("gpu")
                .step("fetch", new TestSteps.Sleep(1))
                .step("train", new TestSteps.Sleep(1)).dependsOn("fetch")
                .build());
        int fetch = web.ts.steps(t.id()).get(0).id();
        int train = web.ts.steps(t.id()).get(1).id();
        JsonNode plan = HttpSession.json(new HttpSession(web.console).get("/api/tasks/" + t.id() + "/plan"));

        assertThat(plan.get("task_name").asText()).isEqualTo("gpu-job");
        JsonNode steps = plan.get("steps");
        assertThat(steps.get(0).get("id").asInt()).isEqualTo(fetch);
        assertThat(steps.get(0).get("dependencies")).isEmpty();
        JsonNode dep = steps.get(1).get("dependencies");
        assertThat(dep).hasSize(1);
        assertThat(dep.get(0).get("id").asInt()).isEqualTo(fetch);
        assertThat(dep.get(0).get("title").asText()).isEqualTo("fetch");
        assertThat(dep.get(0).get("kind").asText()).isEqualTo("explicit");
        assertThat(dep.get(0).get("resources")).isEmpty();
        assertThat(steps.get(1).get("id").asInt()).isEqualTo(train);
        assertThat(plan.get("waits").get(String.valueOf(fetch)).asText()).contains("gpu");
    }
}
