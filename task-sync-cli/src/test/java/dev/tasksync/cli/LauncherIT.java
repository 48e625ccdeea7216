package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskSync;
import dev.tasksync.docker.DockerConnection;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;

/**
 * The real {@code ./task-sync} script end to end, on the test database (TASKSYNC_DB_URL, a fresh schema):
 * the specification's examples verbatim, a run with progress output, --json parsed back.
 */
class LauncherIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BASH_BLOCK = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TASK_ID = Pattern.compile("--task-id (\\d+)");
    private static final Pattern TITLE = Pattern.compile("--title \"([^\"]*)\"");

    private final Script script = new Script();
    private TaskSync api;

    @TempDir
    Path dir;

    @BeforeEach
    void open() {
        String schema = TestDatabase.newSchema();
        script.env.put("TASKSYNC_DB_URL", TestDatabase.jdbcUrl());
        script.env.put("TASKSYNC_DB_USER", String.valueOf(TestDatabase.user()));
        script.env.put("TASKSYNC_DB_PASSWORD", String.valueOf(TestDatabase.password()));
        script.env.put("TASKSYNC_SCHEMA", schema);
        api = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema).build();
    }

    @AfterEach
    void close() {
        api.close();
    }

    /** The specification's CLI examples, verbatim, in document order. */
    static List<String> seedExamples() throws IOException {
        try (InputStream in = LauncherIT.class.getResourceAsStream("/seed/task-sync-README.md")) {
            String readme = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<String> examples = new ArrayList<>();
            Matcher m = BASH_BLOCK.matcher(readme);
            while (m.find()) {
                examples.add(m.group(1).strip());
            }
            return examples;
        }
    }

    private Script.Result ok(Script.Result r) {
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    /** Runs one example verbatim and checks the stored step: its task, title, and settings exactly as written. */
    private void runExample(String example) throws IOException {
        assertThat(example).startsWith("./task-sync step create");
        int before = api.steps().size();
        ok(script.shell(example));
        List<Step> steps = api.steps();
        assertThat(steps).hasSize(before + 1);
        Step created = steps.get(steps.size() - 1);
        Matcher task = TASK_ID.matcher(example);
        Matcher title = TITLE.matcher(example);
        assertThat(task.find() && title.find()).isTrue();
        assertThat(created.taskId()).isEqualTo(Integer.parseInt(task.group(1)));
        assertThat(created.title()).isEqualTo(title.group(1));
        String settings = example.substring(example.indexOf('\'') + 1, example.lastIndexOf('\''));
        assertThat(created.settings()).as(example).isEqualTo(JSON.readTree(settings));
    }

    private void createSeedTasks() {
        createSeedTasks(null, null);
    }

    /** The specification shows no {@code task create}; tasks 1 and 2 its examples name, with these local paths. */
    private void createSeedTasks(Path app, Path grading) {
        ok(script.run(withLocalPath(List.of("task", "create", "--name", "seed-app"), app)));
        ok(script.run(withLocalPath(List.of("task", "create", "--name", "seed-grading"), grading)));
        assertThat(api.findTask("seed-app").orElseThrow().id()).isEqualTo(1);
        assertThat(api.findTask("seed-grading").orElseThrow().id()).isEqualTo(2);
    }

    private static String[] withLocalPath(List<String> args, Path localPath) {
        List<String> all = new ArrayList<>(args);
        if (localPath != null) {
            all.addAll(List.of("--local-path", localPath.toString()));
        }
        return all.toArray(String[]::new);
    }

    @Test
    void theSpecificationsFileExistsExampleRunsVerbatim() throws IOException {
        List<String> examples = seedExamples();
        assertThat(examples).hasSize(5);
        createSeedTasks();
        runExample(examples.get(0));
        assertThat(api.steps(1).get(0).type()).isEqualTo("file_exists");
    }

    @Test
    void theSpecificationsDockerExamplesRunVerbatim() throws IOException {
        Script.Result types = ok(script.run("step", "types"));
        Assumptions.assumeTrue(types.out().lines().map(l -> l.split("\\s+")[0]).toList().containsAll(List.of("docker_build", "docker_run", "docker_shell", "docker_rubrics")),
                "the docker step types are not on the class path yet (task-sync-docker); registered: " + types.out().lines().toList());
        createSeedTasks();
        for (String example : seedExamples()) {
            runExample(example);
        }
        assertThat(api.steps()).extracting(Step::type)
                .containsExactly("file_exists", "docker_build", "docker_run", "docker_shell", "docker_rubrics");
        assertThat(api.steps(1).get(2).dependsOn()).containsExactly(1);
        assertThat(api.steps(1).get(3).dependsOn()).containsExactly(2);
    }

    /**
     * Issue 14: the specification's commands verbatim, in its order (file check, build, run, shell; then the rubric
     * of task 2), into a fresh database, then one {@code run --all}: every step completes on its first attempt. In
     * that order "Run App Container" names the file check (id 1) in depends_on, not the build; it waits for the build
     * anyway, because it uses the image the build makes. Only the tasks' local paths are prepared: a Dockerfile
     * (FROM scratch with busybox, so no registry is needed) and the files the steps check, and the grader image the
     * rubric step uses, which no step of its task makes.
     */
    @Test
    void theSpecificationsExamplesInItsOrderAllCompleteOnTheFirstRun() throws Exception {
        DockerConnection docker = DockerConnection.fromEnvironment();
        String noEngine = docker.isAvailable() && Files.isRegularFile(BUSYBOX) ? null
                : "no Docker engine at " + docker.host() + " or no " + BUSYBOX;
        if ("true".equalsIgnoreCase(System.getenv("TASKSYNC_REQUIRE_DOCKER"))) {
            assertThat(noEngine).as("TASKSYNC_REQUIRE_DOCKER=true").isNull();
        }
        Assumptions.assumeTrue(noEngine == null, noEngine);
        Path app = Files.createDirectories(dir.resolve("app-src"));
        busyboxContext(app, "COPY run.sh /run.sh", "WORKDIR /");
        Files.writeString(app.resolve("run.sh"), "#!/bin/sh\necho run.sh ran\n");
        app.resolve("run.sh").toFile().setExecutable(true);
        Files.writeString(app.resolve("main.go"), "package main\n");
        Files.writeString(app.resolve("go.mod"), "module app\n");
        Files.createDirectories(app.resolve("app"));
        Files.writeString(app.resolve("app/config.yml"), "greeting: hello\n");
        Path grading = Files.createDirectories(dir.resolve("grading"));
        Files.createDirectories(grading.resolve("submission"));
        Files.writeString(grading.resolve("submission/answer.txt"), "42\n");
        Path grader = busyboxContext(Files.createDirectories(dir.resolve("grader")),
                "CMD [\"sh\", \"-c\", \"grep -q 42 /workspace/submission/answer.txt\"]");
        ok(script.shell("docker build -q -t python-grader:latest " + grader));
        try {
            createSeedTasks(app, grading);
            for (String example : seedExamples()) {
                runExample(example);
            }
            Script.Result run = script.run("run", "--all");
            assertThat(run.code()).as(run.toString()).isZero();
            List<Step> steps = api.steps();
            assertThat(steps).extracting(Step::title).containsExactly("Check for source files", "Build App Image",
                    "Run App Container", "Inspect Container", "Grade Submission");
            assertThat(steps).as(run.toString()).allSatisfy(s -> {
                assertThat(s.status()).as(s.title()).isEqualTo(StepStatus.COMPLETED);
                assertThat(s.attempt()).as(s.title() + " attempts").isEqualTo(1);
            });
            assertThat(api.history(steps.get(2).id())).hasSize(1);
            assertThat(steps.get(2).results().get("stdout").asText()).isEqualTo("run.sh ran\n");
            assertThat(steps.get(2).startedAt()).as("the run waited for the build that makes its image")
                    .isAfterOrEqualTo(steps.get(1).finishedAt());
            assertThat(steps.get(3).results().get("commands").get(0).get("stdout").asText()).contains("run.sh", "bin");
            assertThat(steps.get(4).results().get("score").asDouble()).isEqualTo(1.0);
        } finally {
            script.shell("docker image rm -f my-app:1.0 python-grader:latest");
        }
    }

    private static final Path BUSYBOX = Path.of("/bin/busybox");

    /** A build context FROM scratch with busybox installed, plus {@code lines}. */
    private static Path busyboxContext(Path dir, String... lines) throws IOException {
        Files.copy(BUSYBOX, dir.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
        dir.resolve("busybox").toFile().setExecutable(true);
        Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\nCOPY busybox /bin/busybox\n"
                + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n" + String.join("\n", lines) + "\n");
        return dir;
    }

    @Test
    void runShowsProgressAndJsonParsesBack() throws IOException {
        Files.writeString(dir.resolve("main.go"), "package main");
        ok(script.run("task", "create", "--name", "e2e", "--local-path", dir.toString()));
        ok(script.shell("./task-sync step create --task e2e --title 'Sources' --settings '{\"file_exists\": [\"main.go\"]}'"));
        ok(script.shell("./task-sync step create --task e2e --title 'Module' --settings '{\"file_exists\": \"go.mod\"}'"));

        Script.Result failed = script.run("run", "--task", "e2e");
        assertThat(failed.code()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.out()).contains("Running task").contains("[1/2]").contains("[2/2]")
                .contains("completed").contains("'Sources'").contains("failed").contains("go.mod");

        Files.writeString(dir.resolve("go.mod"), "module e2e");
        script.env.put("TASKSYNC_PROGRESS", "tty");
        Script.Result live = ok(script.run("run", "--task", "e2e"));
        assertThat(live.out()).contains("\r\033[K").contains("[1/1]").contains("completed");
        script.env.remove("TASKSYNC_PROGRESS");

        JsonNode run = JSON.readTree(ok(script.run("run", "--task", "e2e", "--force", "--json")).out());
        assertThat(run.get("succeeded").asBoolean()).isTrue();
        assertThat(run.get("steps")).hasSize(2);
        assertThat(run.get("steps").get(1).get("results").get("found").get(0).asText()).isEqualTo("go.mod");

        JsonNode tasks = JSON.readTree(ok(script.run("task", "list", "--json")).out());
        assertThat(tasks.get(0).get("name").asText()).isEqualTo("e2e");
        assertThat(tasks.get(0).get("steps").asInt()).isEqualTo(2);
        JsonNode steps = JSON.readTree(ok(script.run("step", "list", "--json")).out());
        assertThat(steps).hasSize(2);
        assertThat(api.steps()).extracting(Step::status).containsOnly(StepStatus.COMPLETED);

        Script.Result bad = script.run("step", "create", "--task", "e2e", "--title", "x", "--settings", "{oops");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("malformed JSON");
        assertThat(api.steps()).hasSize(2);
    }

    @Test
    void aWorkerProcessExecutesSubmittedStepsAndStopsOnSigterm() throws Exception {
        Files.writeString(dir.resolve("here.txt"), "x");
        ok(script.run("task", "create", "--name", "w", "--local-path", dir.toString()));
        ok(script.shell("./task-sync step create --task w --title 'Here' --settings '{\"file_exists\": \"here.txt\"}'"));
        ok(script.shell("./task-sync step create --task w --title 'There' --settings '{\"file_exists\": [\"here.txt\"]}'"));

        Path log = dir.resolve("worker.log");
        ProcessBuilder pb = new ProcessBuilder(Script.REPO.resolve("task-sync").toString(), "worker", "--concurrency", "2")
                .directory(Script.REPO.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(script.env);
        pb.environment().put("TASKSYNC_NO_CDS", "1"); // the launcher then exec's java: SIGTERM reaches the JVM
        Process worker = pb.start();
        try {
            ok(script.run("submit", "--task", "w"));
            await("every step completed", Duration.ofSeconds(120), () -> api.steps().stream().allMatch(s -> s.status() == StepStatus.COMPLETED));
            assertThat(api.steps()).extracting(Step::status).containsOnly(StepStatus.COMPLETED);
            JsonNode history = JSON.readTree(ok(script.run("step", "history", String.valueOf(api.steps().get(0).id()), "--json")).out());
            assertThat(history.get(0).get("outcome").asText()).isEqualTo("completed");
        } finally {
            worker.destroy();
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(log)).contains("running with concurrency 2").contains("stopped after claiming 2 steps");
    }
}
