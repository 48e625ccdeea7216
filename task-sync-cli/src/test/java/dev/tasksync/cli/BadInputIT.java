package dev.tasksync.cli;

import dev.tasksync.testing.Rows;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input: a message naming the problem on stderr, exit code 2, and not one row written. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one schema for all: every test checks that it changed nothing
class BadInputIT {
    private CliHarness cli;
    private int taskId;
    private int stepId;

    @BeforeAll
    void open() {
        cli = new CliHarness();
        assertThat(cli.run("task", "create", "--name", "existing").code()).isZero();
        taskId = cli.api.findTask("existing").orElseThrow().id();
        assertThat(cli.run("step", "create", "--task-id", String.valueOf(taskId), "--title", "A",
                "--settings", "{\"sleep\": {\"millis\": 1}}").code()).isZero();
        stepId = cli.api.steps(taskId).get(0).id();
    }

    @AfterAll
    void close() {
        cli.close();
    }

    /** Runs the command, expects exit 2 with every fragment in stderr, and checks nothing changed. */
    private void refused(List<String> messageFragments, String... args) {
        Map<String, List<Map<String, Object>>> before = Rows.snapshot(cli.api);
        CliHarness.Result r = cli.run(args);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).contains(messageFragments);
        assertThat(r.out()).as("nothing on stdout").isEmpty();
        assertThat(Rows.snapshot(cli.api)).as("rows unchanged").isEqualTo(before);
    }

    private String task() {
        return String.valueOf(taskId);
    }

    @Test
    void invalidJson() {
        refused(List.of("malformed JSON", "line 1"), "step", "create", "--task-id", task(), "--title", "X", "--settings", "{\"file_exists\": [");
    }

    @Test
    void invalidJsonInEdit() {
        refused(List.of("malformed JSON"), "step", "edit", String.valueOf(stepId), "--settings", "{nope");
    }

    @Test
    void unknownStepType() {
        refused(List.of("docker_teleport"), "step", "create", "--task-id", task(), "--title", "X",
                "--settings", "{\"docker_teleport\": {}}");
    }

    @Test
    void settingsOfTheWrongShape() {
        refused(List.of("$.file_exists"), "step", "create", "--task-id", task(), "--title", "X",
                "--settings", "{\"file_exists\": 42}");
    }

    @Test
    void missingRequiredOption() {
        refused(List.of("--title"), "step", "create", "--task-id", task(), "--settings", "{\"file_exists\": \"a\"}");
        refused(List.of("--task-id", "--task"), "step", "create", "--title", "X", "--settings", "{\"file_exists\": \"a\"}");
        refused(List.of("--name"), "task", "create");
    }

    @Test
    void unknownOptionAndCommand() {
        refused(List.of("--colour"), "task", "list", "--colour");
        refused(List.of("frobnicate"), "frobnicate");
    }

    @Test
    void unknownTaskId() {
        refused(List.of("no task with id 9999"), "step", "create", "--task-id", "9999", "--title", "X",
                "--settings", "{\"file_exists\": \"a\"}");
        refused(List.of("no task named 'ghost'"), "task", "show", "ghost");
        refused(List.of("no task with id 9999"), "run", "--task-id", "9999");
        refused(List.of("no step with id 9999"), "step", "show", "9999");
        refused(List.of("no task with id 9999"), "task", "delete", "9999", "--yes");
    }

    @Test
    void dependencyOnAMissingStep() {
        refused(List.of("9999", "does not exist"), "step", "create", "--task-id", task(), "--title", "X",
                "--settings", "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": 9999}]}}");
    }

    @Test
    void dependencyCycleThroughEdit() {
        refused(List.of("cycle"), "step", "edit", String.valueOf(stepId),
                "--set", "sleep.depends_on=[{\"id\": " + stepId + "}]");
    }

    @Test
    void duplicateTaskName() {
        refused(List.of("'existing' already exists"), "task", "create", "--name", "existing");
    }

    @Test
    void settingsFileThatDoesNotExist() {
        refused(List.of("does-not-exist.json"), "step", "create", "--task-id", task(), "--title", "X",
                "--settings", "@does-not-exist.json");
    }

    @Test
    void badNumbersAndFormats() {
        refused(List.of("--task-id", "abc"), "step", "list", "--task-id", "abc");
        refused(List.of("--format", "png"), "graph", "--task-id", task(), "--format", "png");
        refused(List.of("concurrency"), "run", "--task-id", task(), "--concurrency", "0");
        refused(List.of("--task-id", "--all"), "run", "--task-id", task(), "--all");
    }
}
