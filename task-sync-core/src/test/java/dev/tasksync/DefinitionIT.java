package dev.tasksync;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.steps.FileExists;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class DefinitionIT {
    static final ObjectMapper JSON = new ObjectMapper();
    TaskSync ts;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new TestSteps.SleepType()).build();
    }

    @AfterEach
    void close() {
        ts.close();
    }

    private static TaskDefinition definition(long firstSleep) {
        return TaskDefinition.named("pipeline")
                .localPath("/srv/app")
                .step("Check for source files", FileExists.of("main.go", "go.mod"))
                .step("Check one file", FileExists.of("main.go"))
                .step("Wait", new TestSteps.Sleep(firstSleep))
                .step("Wait more", new TestSteps.Sleep(2)).dependsOn("Wait")
                .build();
    }

    @Test
    void fileExistsDependsOnOtherStepsInItsObjectForm() {
        Task task = ts.save(TaskDefinition.named("fx")
                .step("one", new TestSteps.Sleep(1))
                .step("two", FileExists.of("a")).dependsOn("one")
                .step("three", FileExists.of("b", "c")).dependsOn("two")
                .build());
        List<Step> steps = ts.steps(task.id());
        assertThat(steps.get(1).settings().toString())
                .isEqualTo("{\"file_exists\":{\"paths\":[\"a\"],\"depends_on\":[{\"id\":" + steps.get(0).id() + "}]}}");
        assertThat(steps.get(2).settings().toString())
                .isEqualTo("{\"file_exists\":{\"paths\":[\"b\",\"c\"],\"depends_on\":[{\"id\":" + steps.get(1).id() + "}]}}");
        // saved again unchanged: the same rows
        ts.save(TaskDefinition.named("fx")
                .step("one", new TestSteps.Sleep(1))
                .step("two", FileExists.of("a")).dependsOn("one")
                .step("three", FileExists.of("b", "c")).dependsOn("two")
                .build());
        assertThat(ts.steps(task.id())).extracting(Step::settings).isEqualTo(steps.stream().map(Step::settings).toList());
    }

    @Test
    void aSavedTaskRunsWithOptions() {
        Task task = ts.save(TaskDefinition.named("sleeps")
                .step("Wait", new TestSteps.Sleep(1))
                .step("Wait more", new TestSteps.Sleep(2)).dependsOn("Wait")
                .build());
        assertThat(ts.run(task).steps()).allMatch(StepResult::executed);
        assertThat(ts.run(task).steps()).noneMatch(StepResult::executed);

        List<String> finished = new CopyOnWriteArrayList<>();
        RunResult forced = ts.run(task, RunOptions.defaults().withForce(true).withConcurrency(1)
                .withListener(new RunListener() {
                    @Override
                    public void stepFinished(StepResult result) {
                        finished.add(result.title() + ": " + result.status());
                    }
                }));
        assertThat(forced.steps()).allMatch(StepResult::executed).allMatch(s -> s.status() == StepStatus.COMPLETED);
        assertThat(finished).containsExactly("Wait: completed", "Wait more: completed");
    }

    @Test
    void dslAndRawJsonWriteIdenticalRows() throws Exception {
        Task dsl = ts.save(definition(1));

        Task raw = ts.createTask("pipeline-raw", "new", "/srv/app");
        ts.createStep(raw.id(), "Check for source files", "{\n  \"file_exists\": [\n    \"main.go\",\n    \"go.mod\"\n  ]\n}");
        ts.createStep(raw.id(), "Check one file", "{\"file_exists\": \"main.go\"}");
        Step wait = ts.createStep(raw.id(), "Wait", "{\"sleep\": {\"millis\": 1}}");
        ts.createStep(raw.id(), "Wait more", "{\"sleep\": {\"millis\": 2, \"depends_on\": [{\"id\": " + wait.id() + "}]}}");

        List<Step> fromDsl = ts.steps(dsl.id());
        List<Step> fromJson = ts.steps(raw.id());
        assertThat(fromDsl).hasSize(4);
        for (int i = 0; i < 4; i++) {
            Step a = fromDsl.get(i);
            Step b = fromJson.get(i);
            assertThat(a.title()).isEqualTo(b.title());
            assertThat(a.status()).isEqualTo(b.status());
            // depends_on ids differ (different rows); compare them by position instead
            String settingsA = a.settings().toString().replace("\"id\":" + fromDsl.get(2).id(), "\"id\":W");
            String settingsB = b.settings().toString().replace("\"id\":" + fromJson.get(2).id(), "\"id\":W");
            assertThat(settingsA).isEqualTo(settingsB);
        }
        assertThat(fromDsl.get(0).settings()).isEqualTo(JSON.readTree("{\"file_exists\":[\"main.go\",\"go.mod\"]}"));
        assertThat(fromDsl.get(1).settings()).isEqualTo(JSON.readTree("{\"file_exists\":\"main.go\"}"));
        assertThat(fromDsl.get(3).settings()).isEqualTo(JSON.readTree(
                "{\"sleep\":{\"millis\":2,\"depends_on\":[{\"id\":" + fromDsl.get(2).id() + "}]}}"));
        assertThat(fromDsl.get(3).dependsOn()).containsExactly(fromDsl.get(2).id());
        // And through raw SQL: same columns, same values but ids and timestamps.
        List<Map<String, Object>> rows = Rows.query(ts, "SELECT task_id, title, status, settings::text AS s, results FROM ${schema}.steps ORDER BY id");
        assertThat(rows.get(1).get("s")).isEqualTo(rows.get(5).get("s"));
        assertThat(rows.get(0).get("s")).isEqualTo(rows.get(4).get("s"));
    }

    @Test
    void savingAgainUpdatesInPlace() {
        Task first = ts.save(definition(1));
        List<Step> before = ts.steps(first.id());

        Task second = ts.save(definition(5));
        List<Step> after = ts.steps(second.id());

        assertThat(second.id()).isEqualTo(first.id());
        assertThat(ts.tasks()).hasSize(1);
        assertThat(after).extracting(Step::id).containsExactlyElementsOf(before.stream().map(Step::id).toList());
        assertThat(after.get(2).settings().path("sleep").path("millis").asLong()).isEqualTo(5);
        assertThat(after.get(0).updatedAt()).isEqualTo(before.get(0).updatedAt()); // unchanged step untouched
    }

    @Test
    void stepsDroppedFromTheDefinitionAreDeleted() {
        Task task = ts.save(definition(1));
        ts.save(TaskDefinition.named("pipeline").localPath("/srv/app")
                .step("Wait", new TestSteps.Sleep(1))
                .build());
        assertThat(ts.steps(task.id())).extracting(Step::title).containsExactly("Wait");
        assertThat(Rows.of(ts, "step_dependencies")).isEmpty();
    }

    @Test
    void readsBackTasksAndSteps() {
        Task task = ts.save(definition(1));
        Task read = ts.task(task.id());
        assertThat(read.name()).isEqualTo("pipeline");
        assertThat(read.status()).isEqualTo("new");
        assertThat(read.localPath()).isEqualTo("/srv/app");
        assertThat(read.createdAt()).isNotNull();
        assertThat(ts.task("pipeline")).isEqualTo(read);
        Step step = ts.steps(task.id()).get(0);
        assertThat(ts.step(step.id())).isEqualTo(step);
        assertThat(step.type()).isEqualTo("file_exists");
        assertThat(step.status()).isEqualTo(StepStatus.NEW);
        assertThat(step.results()).isNull();
    }
}
