package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Implicit dependencies as the CLI shows them: {@code plan}, {@code step show} (human and --json) and {@code graph}
 * name the step a step waits for because it makes the image or container that step uses. Nothing runs here.
 */
class ImplicitDependenciesCliIT {
    @RegisterExtension
    final CliHarness cli = new CliHarness();

    @TempDir
    Path dir;

    /** The specification's four steps of task 1 in its order: the run names the file check, not the build. */
    private void seedOrder() {
        cli.ok("task", "create", "--name", "build-app", "--local-path", dir.toString());
        cli.ok("step", "create", "--task-id", "1", "--title", "Check for source files", "--settings",
                "{\"file_exists\": [\"main.go\", \"go.mod\"]}");
        cli.ok("step", "create", "--task-id", "1", "--title", "Build App Image", "--settings",
                "{\"docker_build\": {\"image_tag\": \"my-app:1.0\", \"files\": [\"Dockerfile\", \"app/\"]}}");
        cli.ok("step", "create", "--task-id", "1", "--title", "Run App Container", "--settings",
                "{\"docker_run\": {\"image_tag\": \"my-app:1.0\", \"command\": [\"./run.sh\"], \"depends_on\": [{\"id\": 1}]}}");
        cli.ok("step", "create", "--task-id", "1", "--title", "Inspect Container", "--settings",
                "{\"docker_shell\": {\"docker\": {\"image_tag\": \"my-app:1.0\"}, \"command\": [{\"command\": \"ls /\"}],"
                        + " \"depends_on\": [{\"id\": 2}]}}");
    }

    @Test
    void planNamesTheImplicitDependencyAndWhy() throws IOException {
        seedOrder();
        CliHarness.Result plan = cli.ok("plan", "--task-id", "1");
        assertThat(plan.out()).contains("Implicit dependencies")
                .contains("3 'Run App Container' waits for 2 'Build App Image', which makes the image my-app:1.0 it uses");
        // the shell names the build in depends_on: explicit, so not listed again as implicit
        assertThat(plan.out()).doesNotContain("4 'Inspect Container' waits for");

        JsonNode json = cli.ok("plan", "--task-id", "1", "--json").json();
        JsonNode run = json.get("steps").get(2);
        assertThat(run.get("title").asText()).isEqualTo("Run App Container");
        assertThat(run.get("dependencies")).isEqualTo(CliHarness.json("""
                [{"id": 1, "title": "Check for source files", "kind": "explicit", "resources": []},
                 {"id": 2, "title": "Build App Image", "kind": "implicit", "resources": ["image:my-app:1.0"]}]"""));
        assertThat(json.get("steps").get(3).get("dependencies")).isEqualTo(CliHarness.json("""
                [{"id": 2, "title": "Build App Image", "kind": "explicit", "resources": []}]"""));
        assertThat(json.get("steps").get(0).get("dependencies")).isEmpty();
    }

    @Test
    void stepShowListsExplicitAndImplicitDependencies() throws IOException {
        seedOrder();
        CliHarness.Result show = cli.ok("step", "show", "3");
        assertThat(show.out()).contains("depends on: 1 'Check for source files' (depends_on)\n"
                + "              2 'Build App Image' (implicit: it makes image my-app:1.0)");
        assertThat(cli.ok("step", "show", "1").out()).contains("depends on: -");

        JsonNode json = cli.ok("step", "show", "3", "--json").json();
        assertThat(json.get("depends_on")).isEqualTo(CliHarness.json("[1]"));
        assertThat(json.get("dependencies").get(1)).isEqualTo(CliHarness.json(
                "{\"id\": 2, \"title\": \"Build App Image\", \"kind\": \"implicit\", \"resources\": [\"image:my-app:1.0\"]}"));
    }

    @Test
    void aShellUsingADetachedRunsContainerByNameWaitsForIt() throws IOException {
        cli.ok("task", "create", "--name", "serve", "--local-path", dir.toString());
        cli.ok("step", "create", "--task-id", "1", "--title", "Smoke", "--settings",
                "{\"docker_shell\": {\"docker\": {\"container_name\": \"web\"}, \"command\": [\"true\"]}}");
        cli.ok("step", "create", "--task-id", "1", "--title", "Serve", "--settings",
                "{\"docker_run\": {\"image_tag\": \"web:1\", \"container_name\": \"web\", \"detach\": true}}");
        assertThat(cli.ok("step", "show", "1").out()).contains("depends on: 2 'Serve' (implicit: it makes container web)");
        assertThat(cli.ok("plan", "--task-id", "1").out()).contains("1 'Smoke' waits for 2 'Serve', which makes the container web it uses");
        JsonNode json = cli.ok("step", "show", "1", "--json").json();
        assertThat(json.get("dependencies").get(0).get("resources")).isEqualTo(CliHarness.json("[\"container:web\"]"));
    }

    @Test
    void graphDrawsImplicitEdgesDashed() {
        seedOrder();
        String dot = cli.ok("graph", "--task-id", "1").out();
        assertThat(dot).contains("\"2\" -> \"3\" [style=dashed];").contains("\"1\" -> \"3\";").contains("\"2\" -> \"4\";")
                .doesNotContain("\"2\" -> \"4\" [style=dashed]");
        String mermaid = cli.ok("graph", "--task-id", "1", "--format", "mermaid").out();
        assertThat(mermaid).contains("s2 -.-> s3").contains("s1 --> s3").contains("s2 --> s4");
    }

    @Test
    void anEditThatClosesACycleThroughAnImplicitDependencyIsRefused() {
        seedOrder();
        CliHarness.Result r = cli.run("step", "edit", "2", "--set", "docker_build.depends_on=[{\"id\": 3}]");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("cycle").contains("Run App Container").contains("image my-app:1.0");
        assertThat(cli.api.step(2).dependsOn()).isEmpty();
    }
}
