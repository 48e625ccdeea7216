package dev.tasksync.cli;

import dev.tasksync.InvalidDefinitionException;
import dev.tasksync.StepSettings;
import dev.tasksync.TaskDefinition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A docker_shell without a target, a docker_run or docker_rubrics without an image take it from upstream; where
 * nothing upstream could give it, the step could only fail when it runs, so create, edit and save refuse it
 * (exit 2, the field named, nothing stored). Nothing runs here.
 */
class UpstreamNeedsCliIT {
    @RegisterExtension
    final CliHarness cli = new CliHarness();

    @TempDir
    Path dir;

    @BeforeEach
    void open() {
        cli.ok("task", "create", "--name", "t", "--local-path", dir.toString());
    }

    private CliHarness.Result refused(String... args) {
        CliHarness.Result r = cli.run(args);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        return r;
    }

    private CliHarness.Result create(String title, String settings) {
        return cli.run("step", "create", "--task-id", "1", "--title", title, "--settings", settings);
    }

    @Test
    void aShellWithoutTargetAndNothingUpstreamIsRefusedWhenCreated() {
        cli.ok("step", "create", "--task-id", "1", "--title", "Check", "--settings", "{\"file_exists\": \"a.txt\"}");
        CliHarness.Result r = refused("step", "create", "--task-id", "1", "--title", "Shell", "--settings",
                "{\"docker_shell\": {\"command\": [\"ls /\"], \"depends_on\": [{\"id\": 1}]}}");
        assertThat(r.err()).contains("$.docker_shell.docker")
                .contains("no docker_build, docker_pull or docker_run step is upstream").contains("docker.image_tag");
        assertThat(cli.api.steps(1)).hasSize(1);

        r = refused("step", "create", "--task-id", "1", "--title", "Run", "--settings", "{\"docker_run\": {\"command\": [\"true\"]}}");
        assertThat(r.err()).contains("$.docker_run.image_tag").contains("no docker_build or docker_pull step is upstream");
        r = refused("step", "create", "--task-id", "1", "--title", "Grade", "--settings", "{\"docker_rubrics\": {\"files\": [\"a.txt\"]}}");
        assertThat(r.err()).contains("$.docker_rubrics.image_tag");
        assertThat(cli.api.steps(1)).hasSize(1);
    }

    @Test
    void withAStepUpstreamThatGivesItTheyAreAccepted() {
        assertThat(create("Build", "{\"docker_build\": {\"image_tag\": \"app:1\"}}").code()).isZero();
        assertThat(create("Test", "{\"docker_run\": {\"command\": [\"true\"], \"depends_on\": [{\"id\": 1}]}}").code()).isZero();
        // upstream through the run (not detached): a fresh container of its image
        assertThat(create("Shell", "{\"docker_shell\": {\"command\": [\"ls /\"], \"depends_on\": [{\"id\": 2}]}}").code()).isZero();
        assertThat(create("Grade", "{\"docker_rubrics\": {\"files\": [\"a\"], \"depends_on\": [{\"id\": 1}]}}").code()).isZero();
        // a target of its own needs nothing upstream
        assertThat(create("Alone", "{\"docker_shell\": {\"docker\": {\"image_tag\": \"x:1\"}, \"command\": [\"true\"]}}").code()).isZero();
        assertThat(cli.api.steps(1)).hasSize(5);
    }

    @Test
    void anEditThatTakesAwayWhatADownstreamStepNeedsIsRefused() {
        cli.ok("step", "create", "--task-id", "1", "--title", "Build", "--settings", "{\"docker_build\": {\"image_tag\": \"app:1\"}}");
        cli.ok("step", "create", "--task-id", "1", "--title", "Test", "--settings",
                "{\"docker_run\": {\"command\": [\"true\"], \"depends_on\": [{\"id\": 1}]}}");
        String before = cli.api.step(1).settings().toString();
        CliHarness.Result r = refused("step", "edit", "1", "--settings", "{\"file_exists\": {\"paths\": [\"a\"]}}");
        assertThat(r.err()).contains("$.docker_run.image_tag").contains("step 2 'Test'");
        assertThat(cli.api.step(1).settings().toString()).isEqualTo(before);

        // the run's own edit that drops its dependency is refused too
        r = refused("step", "edit", "2", "--remove-key", "docker_run.depends_on");
        assertThat(r.err()).contains("$.docker_run.image_tag");
        assertThat(cli.api.step(2).dependsOn()).containsExactly(1);
        // and one that names an image is fine
        cli.ok("step", "edit", "2", "--set", "docker_run.image_tag=app:1", "--remove-key", "docker_run.depends_on");
    }

    @Test
    void deletingTheStepADownstreamStepTakesItsImageFromIsRefused() {
        cli.ok("step", "create", "--task-id", "1", "--title", "Build", "--settings", "{\"docker_build\": {\"image_tag\": \"app:1\"}}");
        // waits for the build only implicitly (it uses app:1), so the build's delete is not refused for depends_on
        cli.ok("step", "create", "--task-id", "1", "--title", "Smoke", "--settings",
                "{\"docker_shell\": {\"docker\": {\"image_tag\": \"app:1\"}, \"command\": [\"true\"]}}");
        cli.ok("step", "create", "--task-id", "1", "--title", "Test", "--settings",
                "{\"docker_run\": {\"command\": [\"true\"], \"depends_on\": [{\"id\": 2}]}}");
        CliHarness.Result r = refused("step", "delete", "1");
        assertThat(r.err()).contains("$.docker_run.image_tag").contains("step 3 'Test'");
        assertThat(cli.api.steps(1)).hasSize(3);
        assertThat(cli.api.dependencies(1)).anyMatch(d -> d.stepId() == 2 && d.dependsOnId() == 1 && d.implicit());
        cli.ok("step", "delete", "3");
        cli.ok("step", "delete", "1");
        assertThat(cli.api.steps(1)).hasSize(1);
    }

    @Test
    void saveRefusesTheDefinitionNamingTheStep() {
        TaskDefinition definition = TaskDefinition.named("dsl").localPath(dir.toString())
                .step("check", StepSettings.of("file_exists", "{\"paths\": [\"a\"]}"))
                .step("inspect", StepSettings.of("docker_shell", "{\"command\": [\"ls /\"]}")).dependsOn("check")
                .build();
        assertThatThrownBy(() -> cli.api.save(definition)).isInstanceOf(InvalidDefinitionException.class)
                .hasMessageContaining("step 'inspect': $.docker_shell.docker");
        assertThat(cli.api.findTask("dsl")).isEmpty();
    }
}
