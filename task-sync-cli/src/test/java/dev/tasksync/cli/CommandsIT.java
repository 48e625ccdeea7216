package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.testing.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import dev.tasksync.StepRun;
import dev.tasksync.docker.DockerPolicy;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;

/** Every command in-process against a real PostgreSQL: exit codes, output, and the rows written. */
class CommandsIT {
    @RegisterExtension
    final CliHarness cli = new CliHarness();

    @TempDir
    Path dir;

    @Test
    void taskCreateListShowAndJson() throws IOException {
        CliHarness.Result created = cli.ok("task", "create", "--name", "build", "--status", "active", "--local-path", "/src/app");
        assertThat(created.out()).contains("Created task").contains("'build'");
        Task t = cli.api.findTask("build").orElseThrow();
        assertThat(t.status()).isEqualTo("active");
        assertThat(t.localPath()).isEqualTo("/src/app");

        CliHarness.Result list = cli.ok("task", "list");
        assertThat(list.out().lines().findFirst().orElseThrow()).startsWith("ID").contains("NAME").contains("STATUS");
        assertThat(list.out()).contains("build").contains("/src/app");

        JsonNode json = cli.ok("task", "list", "--json").json();
        assertThat(json.isArray()).isTrue();
        assertThat(json.get(0).get("id").asInt()).isEqualTo(t.id());
        assertThat(json.get(0).get("name").asText()).isEqualTo("build");
        assertThat(json.get(0).get("local_path").asText()).isEqualTo("/src/app");

        cli.ok("step", "create", "--task", "build", "--title", "Check", "--settings", "{\"file_exists\": \"a.txt\"}");
        JsonNode shown = cli.ok("task", "show", "build", "--json").json();
        assertThat(shown.get("name").asText()).isEqualTo("build");
        assertThat(shown.get("steps").get(0).get("settings")).isEqualTo(CliHarness.json("{\"file_exists\": \"a.txt\"}"));
        assertThat(cli.ok("task", "show", String.valueOf(t.id())).out()).contains("Task " + t.id() + ": build").contains("Check");
    }

    @Test
    void stepCreateStoresTheSettingsExactlyFromArgumentFileAndStdin() throws IOException {
        int id = cli.createTask("t", dir);
        String inline = "{\n  \"file_exists\": [\n    \"main.go\",\n    \"go.mod\"\n  ]\n}";
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Check for source files", "--settings", inline);
        Path file = Files.writeString(dir.resolve("s.json"), "{\"file_exists\": \"from-file.txt\"}");
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "From file", "--settings", "@" + file);
        CliHarness.Result fromStdin = cli.runWithInput("{\"file_exists\": [\"stdin.txt\"]}",
                "step", "create", "--task", "t", "--title", "From stdin", "--settings", "-", "--json");
        assertThat(fromStdin.code()).as(fromStdin.toString()).isZero();
        assertThat(fromStdin.json().get("title").asText()).isEqualTo("From stdin");

        List<Step> steps = cli.api.steps(id);
        assertThat(steps).extracting(Step::title).containsExactly("Check for source files", "From file", "From stdin");
        assertThat(steps.get(0).settings()).isEqualTo(CliHarness.json(inline));
        assertThat(steps.get(1).settings()).isEqualTo(CliHarness.json("{\"file_exists\": \"from-file.txt\"}"));
        assertThat(steps.get(2).settings()).isEqualTo(CliHarness.json("{\"file_exists\": [\"stdin.txt\"]}"));

        JsonNode list = cli.ok("step", "list", "--task-id", String.valueOf(id), "--json").json();
        assertThat(list).hasSize(3);
        assertThat(list.get(1).get("type").asText()).isEqualTo("file_exists");
        assertThat(cli.ok("step", "show", String.valueOf(steps.get(0).id())).out()).contains("main.go").contains("results:");
    }

    @Test
    void stepEditSetRemoveKeyAndReplace() throws IOException {
        int id = cli.createTask("t", dir);
        int a = cli.createStep(id, "A", "{\"file_exists\": [\"a\", \"b\"]}");
        int b = cli.createStep(id, "B", "{\"file_exists\": [\"x\"]}");

        cli.ok("step", "edit", String.valueOf(a), "--set", "file_exists[1]=c", "--set", "file_exists[2]=d");
        assertThat(cli.api.step(a).settings()).isEqualTo(CliHarness.json("{\"file_exists\": [\"a\", \"c\", \"d\"]}"));

        cli.ok("step", "edit", String.valueOf(a), "--remove-key", "file_exists[0]", "--title", "A2");
        assertThat(cli.api.step(a).settings()).isEqualTo(CliHarness.json("{\"file_exists\": [\"c\", \"d\"]}"));
        assertThat(cli.api.step(a).title()).isEqualTo("A2");

        // a file_exists value that is an array cannot carry depends_on: refused, nothing changed
        assertThat(cli.refused("step", "edit", String.valueOf(b), "--set", "file_exists.depends_on=[{\"id\": " + a + "}]").err())
                .contains("error:");
        assertThat(cli.api.step(b).settings()).isEqualTo(CliHarness.json("{\"file_exists\": [\"x\"]}"));

        cli.ok("step", "edit", String.valueOf(b), "--settings", "{\"file_exists\": \"only.txt\"}");
        assertThat(cli.api.step(b).settings()).isEqualTo(CliHarness.json("{\"file_exists\": \"only.txt\"}"));

        assertThat(cli.refused("step", "edit", String.valueOf(b)).err()).contains("nothing to change");

        assertThat(cli.refused("step", "edit", String.valueOf(b), "--remove-key", "file_exists.nope").err())
                .contains("file_exists.nope");
    }

    @Test
    void aStepWhoseStoredSettingsDoNotParseFailsAloneInPlanAndRun() throws IOException {
        int id = cli.createTask("unreadable", dir);
        Files.writeString(dir.resolve("present.txt"), "x");
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Present", "--settings", "{\"file_exists\": \"present.txt\"}");
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Infinite", "--settings",
                "{\"docker_run\": {\"image_tag\": \"app:1\", \"timeout_seconds\": 5}}");
        int infinite = cli.api.steps(id).get(1).id();
        // what a version that accepted 1e400 stored
        Rows.execute(cli.api, "UPDATE ${schema}.steps SET settings = jsonb_set(settings, '{docker_run,timeout_seconds}', '\"Infinity\"')"
                + " WHERE id = " + infinite);

        CliHarness.Result plan = cli.ok("plan", "--task-id", String.valueOf(id));
        assertThat(plan.out()).contains("Present").contains("$.docker_run.timeout_seconds");

        CliHarness.Result run = cli.run("run", "--task-id", String.valueOf(id));
        assertThat(run.code()).as(run.toString()).isEqualTo(1);
        assertThat(cli.api.steps(id)).extracting(Step::status).containsExactly(StepStatus.COMPLETED, StepStatus.FAILED);
        assertThat(cli.api.history(infinite)).hasSize(1);
        assertThat(cli.api.history(infinite).get(0).error()).contains("$.docker_run.timeout_seconds");
        CliHarness.Result show = cli.ok("step", "show", String.valueOf(infinite));
        assertThat(show.out()).contains("Infinity");
    }

    @Test
    void runShowsProgressAndExitsOneOnFailureZeroOnSuccess() throws IOException {
        int id = cli.createTask("r", dir);
        Files.writeString(dir.resolve("present.txt"), "x");
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Present", "--settings", "{\"file_exists\": \"present.txt\"}");
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Missing", "--settings", "{\"file_exists\": \"missing.txt\"}");

        CliHarness.Result failed = cli.run("run", "--task-id", String.valueOf(id));
        assertThat(failed.code()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.out()).contains("Running task").contains("completed").contains("'Present'")
                .contains("failed").contains("'Missing'").contains("FAILED");
        assertThat(cli.api.steps(id)).extracting(Step::status).containsExactly(StepStatus.COMPLETED, StepStatus.FAILED);

        CliHarness.Result plan = cli.ok("plan", "--task-id", String.valueOf(id));
        assertThat(plan.out()).contains("up to date").contains("failed last time");

        Files.writeString(dir.resolve("missing.txt"), "now here");
        CliHarness.Result passed = cli.run("run", "--task", "r", "--json");
        assertThat(passed.code()).as(passed.toString()).isZero();
        JsonNode json = passed.json();
        assertThat(json.get("succeeded").asBoolean()).isTrue();
        assertThat(json.get("steps")).hasSize(2);
        assertThat(json.get("steps").get(0).get("executed").asBoolean()).as("up-to-date step not executed again").isFalse();
        assertThat(json.get("steps").get(1).get("status").asText()).isEqualTo("completed");

        int present = cli.api.steps(id).get(0).id();
        cli.ok("step", "reset", String.valueOf(present));
        assertThat(cli.api.step(present).status()).isEqualTo(StepStatus.NEW);
        CliHarness.Result forced = cli.ok("run", "--task-id", String.valueOf(id), "--force", "--json");
        JsonNode forcedJson = forced.json();
        assertThat(forcedJson.get("steps").get(0).get("executed").asBoolean()).isTrue();
        assertThat(forcedJson.get("steps").get(1).get("executed").asBoolean()).isTrue();
    }

    @Test
    void runSaysWhichStepWaitsForAnotherWorkersLeaseAndUntilWhen() throws IOException {
        int id = cli.createTask("held", dir);
        Files.writeString(dir.resolve("present.txt"), "x");
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Held", "--settings", "{\"file_exists\": \"present.txt\"}");
        int step = cli.api.steps(id).get(0).id();
        // Another worker, alive as far as the database knows (it recorded no session), holds the step for two more seconds.
        Rows.execute(cli.api, "UPDATE ${schema}.steps SET status = 'active', attempt = 1, lease_owner = 'other-worker', "
                + "lease_expires_at = now() + interval '2 seconds', started_at = now() WHERE id = " + step);
        Rows.execute(cli.api, "INSERT INTO ${schema}.step_runs (step_id, attempt, worker_id, started_at) VALUES (" + step + ", 1, 'other-worker', now())");

        CliHarness.Result r = cli.ok("run", "--task-id", String.valueOf(id));
        assertThat(r.out()).containsPattern("waiting +" + step + " 'Held': held by worker other-worker, lease until \\d\\d:\\d\\d:\\d\\d");
        assertThat(r.out().indexOf("waiting")).isLessThan(r.out().indexOf("completed"));
        assertThat(cli.api.history(step)).extracting(StepRun::outcome).containsExactly("abandoned", "completed");
    }

    @Test
    void runAllAndRunWithoutNamingATask() throws IOException {
        assertThat(cli.refused("run").err()).contains("no tasks");
        assertThat(cli.ok("run", "--all").out()).contains("No tasks to run.");
        assertThat(cli.ok("run", "--all", "--json").json()).isEmpty();
        int one = cli.createTask("one", dir);
        cli.ok("step", "create", "--task-id", String.valueOf(one), "--title", "A", "--settings", "{\"sleep\": {\"millis\": 1}}");
        assertThat(cli.ok("run").out()).contains("'one'");
        cli.createTask("two", dir);
        assertThat(cli.refused("run").err()).contains("--task-id");
        JsonNode all = cli.ok("run", "--all", "--json", "--concurrency", "2").json();
        assertThat(all).hasSize(2);
        assertThat(all.get(0).get("task_name").asText()).isEqualTo("one");
    }

    @Test
    void graphDotAndMermaidShowTheDependencies() {
        int id = cli.createTask("g", dir);
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "First", "--settings", "{\"sleep\": {\"millis\": 1}}");
        int first = cli.api.steps(id).get(0).id();
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Second",
                "--settings", "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": " + first + "}]}}");
        int second = cli.api.steps(id).get(1).id();
        assertThat(cli.api.step(second).dependsOn()).containsExactly(first);
        CliHarness.Result dot = cli.ok("graph", "--task-id", String.valueOf(id));
        assertThat(dot.out()).contains("digraph").contains("First").contains("Second").contains("->");
        CliHarness.Result mermaid = cli.ok("graph", "--task", "g", "--format", "mermaid");
        assertThat(mermaid.out()).contains("graph").contains("Second").contains("-->");
    }

    @Test
    void aFailureSkipsWhatDependsOnIt() throws IOException {
        int id = cli.createTask("f", dir);
        int boom = cli.createStep(id, "Boom", "{\"fail\": {\"message\": \"kaput\"}}");
        cli.createStep(id, "After", "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": " + boom + "}]}}");
        CliHarness.Result r = cli.run("run", "--task-id", String.valueOf(id), "--json");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        JsonNode json = r.json();
        assertThat(json.get("succeeded").asBoolean()).isFalse();
        assertThat(json.get("steps").get(0).get("status").asText()).isEqualTo("failed");
        assertThat(json.get("steps").get(0).get("results").get("error").asText()).isEqualTo("kaput");
        assertThat(json.get("steps").get(1).get("status").asText()).isEqualTo("skipped");
        CliHarness.Result plain = cli.run("run", "--task-id", String.valueOf(id));
        assertThat(plain.out()).contains("kaput").contains("1 failed, 1 skipped");
    }

    @Test
    void stepHistoryListsEveryAttempt() throws IOException {
        int id = cli.createTask("h", dir);
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Boom", "--settings", "{\"fail\": {\"message\": \"kaput\"}}");
        int step = cli.api.steps(id).get(0).id();
        assertThat(cli.ok("step", "history", String.valueOf(step)).out()).contains("has not run yet");
        assertThat(cli.run("run", "--task-id", String.valueOf(id)).code()).isEqualTo(1);
        assertThat(cli.run("run", "--task-id", String.valueOf(id)).code()).isEqualTo(1);
        CliHarness.Result table = cli.ok("step", "history", String.valueOf(step));
        assertThat(table.out()).contains("ATTEMPT").contains("kaput");
        JsonNode json = cli.ok("step", "history", String.valueOf(step), "--json").json();
        assertThat(json).hasSize(2);
        assertThat(json.get(0).get("attempt").asInt()).isEqualTo(1);
        assertThat(json.get(1).get("attempt").asInt()).isEqualTo(2);
        assertThat(json.get(1).get("error").asText()).isEqualTo("kaput");
        assertThat(json.get(1).get("worker_id").asText()).startsWith("cli-");
    }

    @Test
    void submitQueuesForWorkersAndCancelStopsIt() throws IOException {
        int id = cli.createTask("q", dir);
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "A", "--settings", "{\"sleep\": {\"millis\": 1}}");
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "B", "--settings", "{\"sleep\": {\"millis\": 1}}");
        JsonNode plan = cli.ok("submit", "--task-id", String.valueOf(id), "--json").json();
        assertThat(plan.get("steps")).hasSize(2);
        assertThat(plan.get("steps").get(0).get("will_run").asBoolean()).isTrue();
        CliHarness.Result cancelled = cli.ok("cancel", "--task", "q");
        assertThat(cancelled.out()).contains("Cancelled 2 steps");
        assertThat(cli.api.steps(id)).extracting(Step::status).containsOnly(StepStatus.CANCELLED);
        assertThat(cli.refused("cancel", "--step-id", "99999").err()).contains("no step with id 99999");
    }

    @Test
    void submitJsonHasPlanJsonsShapeWithDependenciesAndWaits() throws IOException {
        int id = cli.createTask("deps", dir);
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "A", "--settings",
                "{\"sleep\": {\"millis\": 1, \"runs_on\": [\"gpu\"]}}");
        int a = cli.api.steps(id).get(0).id();
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "B", "--settings",
                "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": " + a + "}]}}");
        JsonNode submitted = cli.ok("submit", "--task-id", String.valueOf(id), "--json").json();
        JsonNode b = submitted.get("steps").get(1);
        assertThat(b.get("dependencies")).hasSize(1);
        assertThat(b.get("dependencies").get(0).get("id").asInt()).isEqualTo(a);
        assertThat(b.get("dependencies").get(0).get("kind").asText()).isEqualTo("explicit");
        // no worker has the label: the step waits, and says so
        assertThat(submitted.path("waits").path(String.valueOf(a)).asText()).contains("label gpu");
        // once queued, plan --json gives the same keys for the same steps
        JsonNode planned = cli.ok("plan", "--task-id", String.valueOf(id), "--json").json();
        assertThat(planned.get("steps").get(1).get("dependencies")).isEqualTo(b.get("dependencies"));
    }

    @Test
    void interruptingARunCancelsItsRunningStep() throws Exception {
        int id = cli.createTask("long", dir);
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Long", "--settings", "{\"sleep\": {\"millis\": 60000}}");
        AtomicReference<CliHarness.Result> result = new AtomicReference<>();
        Thread runner = new Thread(() -> result.set(cli.run("run", "--task-id", String.valueOf(id))));
        runner.start();
        await("the step running", () -> cli.api.steps(id).get(0).status() == StepStatus.ACTIVE);
        runner.interrupt(); // what the command's Ctrl-C / SIGTERM hook does
        runner.join(15_000);
        assertThat(runner.isAlive()).isFalse();
        assertThat(cli.api.steps(id).get(0).status()).isEqualTo(StepStatus.CANCELLED);
        assertThat(result.get().code()).as(result.get().toString()).isEqualTo(130); // interrupted, not cancelled from elsewhere
        assertThat(result.get().out()).contains("cancelled");
    }

    @Test
    void deleteAsksUnlessYes() {
        int id = cli.createTask("d", dir);
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "A", "--settings", "{\"file_exists\": \"a\"}");
        CliHarness.Result no = cli.runWithInput("n\n", "task", "delete", String.valueOf(id));
        assertThat(no.code()).isEqualTo(1);
        assertThat(no.out()).contains("Not deleted");
        assertThat(cli.api.findTask("d")).isPresent();
        assertThat(cli.refused("task", "delete", String.valueOf(id)).err()).contains("--yes");
        assertThat(cli.api.findTask("d")).isPresent();
        assertThat(cli.runWithInput("y\n", "task", "delete", "d").code()).isZero();
        assertThat(cli.api.findTask("d")).isEmpty();

        int again = cli.createTask("d2", dir);
        cli.ok("step", "create", "--task-id", String.valueOf(again), "--title", "A", "--settings", "{\"file_exists\": \"a\"}");
        int step = cli.api.steps(again).get(0).id();
        cli.ok("step", "delete", String.valueOf(step));
        assertThat(cli.api.steps(again)).isEmpty();
        cli.ok("task", "delete", String.valueOf(again), "--yes");
        assertThat(Rows.of(cli.api, "tasks")).isEmpty();
        assertThat(Rows.of(cli.api, "steps")).isEmpty();
    }

    @Test
    void deletingATaskWhoseStepsDependOnEachOtherDeletesEverything() {
        int id = cli.createTask("d", dir);
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "A", "--settings", "{\"file_exists\": \"a\"}");
        int a = cli.api.steps(id).get(0).id();
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "B", "--settings",
                "{\"docker_run\": {\"image_tag\": \"x\", \"depends_on\": [{\"id\": " + a + "}]}}");
        int b = cli.api.steps(id).get(1).id();
        cli.run("run", "--task-id", String.valueOf(id)); // records a run of A (it fails: no file a)
        assertThat(Rows.of(cli.api, "step_runs")).isNotEmpty();

        var before = Rows.snapshot(cli.api);
        assertThat(cli.refused("step", "delete", String.valueOf(a)).err())
                .contains("step " + a + " 'A' cannot be deleted").contains(b + " 'B'");
        assertThat(Rows.snapshot(cli.api)).isEqualTo(before);

        CliHarness.Result deleted = cli.run("task", "delete", "d", "--yes");
        assertThat(deleted.code()).as(deleted.toString()).isZero();
        assertThat(deleted.err()).isEmpty();
        for (String table : List.of("tasks", "steps", "step_dependencies", "step_runs")) {
            assertThat(Rows.of(cli.api, table)).as(table).isEmpty();
        }
    }

    @Test
    void migrateUpAndStatus() {
        assertThat(cli.ok("migrate", "up").out()).contains("up to date");
        CliHarness.Result status = cli.ok("migrate", "status");
        assertThat(status.out()).contains(cli.schema).contains("Success");
        // Flyway's row for creating the schema has no version: not "null << Flyway Schema Creation >>"
        assertThat(status.out()).doesNotContain("null").doesNotContain("<<").containsPattern("\\n  -\\s+schema created\\s+Success");
    }

    /** "." is where the command was typed: stored absolute, so a run from elsewhere (or a worker) finds the files. */
    @Test
    void aRelativeLocalPathIsStoredAbsolute() {
        Path cwd = Path.of("").toAbsolutePath();
        cli.ok("task", "create", "--name", "here", "--local-path", ".");
        assertThat(cli.api.findTask("here").orElseThrow().localPath()).isEqualTo(cwd.toString());
        cli.ok("task", "create", "--name", "below", "--local-path", "sub/../target/./x/");
        assertThat(cli.api.findTask("below").orElseThrow().localPath()).isEqualTo(cwd.resolve("target/x").toString());
        assertThat(cli.ok("task", "show", "here").out()).contains("local path: " + cwd);
    }

    @Test
    void dbStatusJson() throws IOException {
        Path home = dir.resolve("home");
        JsonNode status = cli.ok("--home", home.toString(), "db", "status", "--json").json();
        assertThat(status.get("running").asBoolean()).isFalse();
        assertThat(status.get("port").isNull()).isTrue();
        assertThat(status.get("pid").isNull()).isTrue();
        assertThat(status.get("url").isNull()).isTrue();
        assertThat(status.get("data_directory").asText()).isEqualTo(home.resolve("postgres").toString());
        assertThat(status.get("password_file").asText()).isEqualTo(home.resolve("postgres.password").toString());
        assertThat(status.get("user").asText()).isEqualTo("postgres");
        // the harness uses an external database, whose URL is named (without a password)
        assertThat(status.get("external_database").asText()).startsWith("jdbc:postgresql://");
        assertThat(Files.exists(home.resolve("postgres"))).as("db status creates nothing").isFalse();
    }

    @Test
    void helpAndVersion() {
        CliHarness.Result help = cli.ok("--help");
        assertThat(help.out()).contains("Usage: task-sync").contains("step").contains("Examples:");
        CliHarness.Result stepCreateHelp = cli.ok("step", "create", "--help");
        assertThat(stepCreateHelp.out()).contains("--settings").contains("Examples:").contains("file_exists");
        assertThat(cli.ok("--version").out()).startsWith("task-sync ");
        assertThat(cli.ok("step", "types").out()).contains("file_exists");
    }

    /** --docker-mounts none: a docker_run asking for a host mount fails when it runs, naming the setting. */
    @Test
    void runWithDockerMountsNoneRefusesABindMount() {
        int id = cli.createTask("policy", dir);
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Host", "--settings",
                "{\"docker_run\": {\"image_tag\": \"any:1\", \"mounts\": [\"/:/host\"], \"command\": [\"true\"]}}");
        CliHarness.Result r = cli.run("run", "--task-id", String.valueOf(id), "--docker-mounts", "none", "--json");
        assertThat(r.code()).as(r.toString()).isNotZero();
        Step step = cli.api.steps(id).get(0);
        assertThat(step.status()).isEqualTo(StepStatus.FAILED);
        assertThat(step.results().get("error").asText()).contains("'/'").contains("--docker-mounts none");
        assertThat(System.getProperty(DockerPolicy.MOUNTS_PROPERTY)).as("restored after the run").isNull();
    }
}
