package dev.tasksync;

import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Every kind of bad input gets a specific exception naming what is wrong, and the database is unchanged. */
class BadInputIT {
    TaskSync ts;
    Task task;
    Task other;
    Step a;
    Step b;
    Step foreign;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new TestSteps.SleepType()).build();
        task = ts.createTask("main");
        other = ts.createTask("other");
        a = ts.createStep(task.id(), "a", "{\"sleep\": {\"millis\": 1}}");
        b = ts.createStep(task.id(), "b", "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": " + a.id() + "}]}}");
        foreign = ts.createStep(other.id(), "x", "{\"file_exists\": \"x\"}");
    }

    @AfterEach
    void close() {
        ts.close();
    }

    /** As {@link #refused}, for a step created in {@link #task} with {@code settings}. */
    private <T extends Throwable> T refusedStep(Class<T> type, String settings) {
        return refused(type, () -> ts.createStep(task.id(), "c", settings));
    }

    /** Runs the call, expects the exception, and checks every row is as before. */
    private <T extends Throwable> T refused(Class<T> type, Executable call) {
        Map<String, List<Map<String, Object>>> before = Rows.snapshot(ts);
        Throwable thrown = catchThrowable(() -> call.execute());
        assertThat(thrown).isInstanceOf(type);
        assertThat(Rows.snapshot(ts)).isEqualTo(before);
        return type.cast(thrown);
    }

    @Test
    void malformedJson() {
        var e = refusedStep(InvalidSettingsException.class, "{\"file_exists\": [\"a\",}");
        assertThat(e).hasMessageContaining("malformed JSON").hasMessageContaining("line 1");
        assertThat(e.path()).isEqualTo("$");
    }

    @Test
    void unknownStepType() {
        var e = refusedStep(UnknownStepTypeException.class, "{\"file_exist\": \"a\"}");
        assertThat(e.key()).isEqualTo("file_exist");
        assertThat(e).hasMessageContaining("'file_exist'").hasMessageContaining("file_exists");
    }

    @Test
    void missingField() {
        var e = refusedStep(InvalidSettingsException.class, "{\"sleep\": {}}");
        assertThat(e.path()).isEqualTo("$.sleep.millis");
        assertThat(e).hasMessageContaining("$.sleep.millis: required field is missing");
    }

    @Test
    void illTypedField() {
        var e = refusedStep(InvalidSettingsException.class, "{\"file_exists\": [\"a\", 3]}");
        assertThat(e.path()).isEqualTo("$.file_exists[1]");
        assertThat(e).hasMessageContaining("expected a string, got a number");
        var e2 = refusedStep(InvalidSettingsException.class, "{\"sleep\": {\"millis\": \"soon\"}}");
        assertThat(e2.path()).isEqualTo("$.sleep.millis");
    }

    @Test
    void moreThanOneTopLevelKey() {
        assertThat(refusedStep(InvalidSettingsException.class, "{\"file_exists\": \"a\", \"sleep\": {}}"))
                .hasMessageContaining("exactly one top-level key").hasMessageContaining("file_exists, sleep");
    }

    @Test
    void badDependsOnEntry() {
        assertThat(refusedStep(InvalidSettingsException.class, "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"ref\": 1}]}}").path())
                .isEqualTo("$.sleep.depends_on[0].id");
    }

    @Test
    void duplicateTaskName() {
        var e = refused(DuplicateTaskException.class, () -> ts.createTask("main"));
        assertThat(e).hasMessageContaining("'main'");
    }

    @Test
    void unknownTaskAndStepIds() {
        var e = refused(NotFoundException.class, () -> ts.createStep(999, "c", "{\"file_exists\": \"a\"}"));
        assertThat(e).hasMessage("no task with id 999");
        assertThat(refused(NotFoundException.class, () -> ts.run(999))).hasMessage("no task with id 999");
        assertThat(refused(NotFoundException.class, () -> ts.deleteStep(12345))).hasMessage("no step with id 12345");
        assertThat(refused(NotFoundException.class, () -> ts.updateStep(12345, null, "{\"file_exists\": \"a\"}"))).hasMessage("no step with id 12345");
        assertThat(refused(NotFoundException.class, () -> ts.deleteTask(999))).hasMessage("no task with id 999");
        assertThat(refused(NotFoundException.class, () -> ts.task("nope"))).hasMessage("no task named 'nope'");
    }

    @Test
    void dependencyOnAMissingStep() {
        var e = refusedStep(InvalidDependencyException.class, "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": 4242}]}}");
        assertThat(e).hasMessageContaining("step 4242").hasMessageContaining("does not exist");
    }

    @Test
    void dependencyOnAnotherTasksStep() {
        var e = refusedStep(InvalidDependencyException.class,
                "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": " + foreign.id() + "}]}}");
        assertThat(e).hasMessageContaining("step " + foreign.id()).hasMessageContaining("another task");
    }

    @Test
    void cycleThroughAnEdit() {
        var e = refused(DependencyCycleException.class, () -> ts.updateStep(a.id(), null,
                "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": " + b.id() + "}]}}"));
        assertThat(e.steps()).hasSize(2).anyMatch(s -> s.contains("'a'")).anyMatch(s -> s.contains("'b'"));
        var self = refused(DependencyCycleException.class, () -> ts.updateStep(a.id(), null,
                "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": " + a.id() + "}]}}"));
        assertThat(self).hasMessageContaining("'a'");
    }

    @Test
    void cycleInADefinition() {
        TaskDefinition def = TaskDefinition.named("cyclic")
                .step("one", new TestSteps.Sleep(1)).dependsOn("three")
                .step("two", new TestSteps.Sleep(1)).dependsOn("one")
                .step("three", new TestSteps.Sleep(1)).dependsOn("two")
                .build();
        var e = refused(DependencyCycleException.class, () -> ts.save(def));
        assertThat(e.steps()).containsExactlyInAnyOrder("'one'", "'two'", "'three'");
    }

    @Test
    void definitionProblemsAreReportedTogether() {
        TaskDefinition def = TaskDefinition.named("broken")
                .step("one", StepSettings.of("sleep", "{}"))
                .step("two", StepSettings.of("nope", "{}")).dependsOn("missing")
                .step("two", new TestSteps.Sleep(1))
                .build();
        var e = refused(InvalidDefinitionException.class, () -> ts.save(def));
        assertThat(e.problems()).hasSize(4);
        assertThat(e.getMessage())
                .contains("step 'one': $.sleep.millis: required field is missing")
                .contains("unknown step type 'nope'")
                .contains("depends on 'missing'")
                .contains("two steps are titled 'two'");
    }

    @Test
    void deletingAStepOthersDependOnIsRefused() {
        var e = refused(TaskSyncException.class, () -> ts.deleteStep(a.id()));
        assertThat(e).hasMessageContaining(b.id() + " 'b'").hasMessageContaining("depend on it");
    }


    @Test
    void blankNamesAndTitles() {
        assertThatThrownBy(() -> ts.createTask(" ")).isInstanceOf(TaskSyncException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> ts.createStep(task.id(), "", "{\"file_exists\": \"a\"}")).hasMessageContaining("title");
    }
}
