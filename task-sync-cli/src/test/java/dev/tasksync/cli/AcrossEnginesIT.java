package dev.tasksync.cli;

import dev.tasksync.RegisteredWorker;
import dev.tasksync.Step;
import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.docker.DockerConnection;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.io.UncheckedIOException;
import dev.tasksync.testing.Awaits;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Docker engines (the default one and the one TASKSYNC_DOCKER_HOST_2 names; .ci/run starts it), a worker process
 * (the CLI's, DOCKER_HOST set) on each: each task's build → three runs → shell all complete on the engine that holds
 * the build's image, whichever worker built it; a worker killed (SIGKILL) holding the image leaves the rest to the
 * other engine, which builds the image again there after --rebuild-after. Skipped without a second engine unless
 * TASKSYNC_REQUIRE_DOCKER=true.
 */
class AcrossEnginesIT {
    static final String SECOND = "TASKSYNC_DOCKER_HOST_2";
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    @TempDir
    Path dir;

    private String schema;
    private TaskSync api;
    private String first;
    private String second;
    private final Map<String, String> engines = new HashMap<>(); // engine id → its DOCKER_HOST
    private final List<Process> workers = new ArrayList<>();
    private final List<String> tags = new ArrayList<>();

    @BeforeEach
    void open() {
        first = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        second = System.getenv(SECOND);
        String missing = null;
        if (second == null || second.isBlank()) {
            missing = "no second Docker engine: set " + SECOND + " (e.g. unix:///tmp/task-sync-ci-d2/docker.sock, as .ci/run does)";
        } else if (!DockerConnection.of(first).isAvailable() || !DockerConnection.of(second).isAvailable()) {
            missing = "no Docker engine answers at " + first + " or " + second;
        } else if (!Files.isRegularFile(BUSYBOX)) {
            missing = "no " + BUSYBOX;
        }
        if ("true".equalsIgnoreCase(System.getenv("TASKSYNC_REQUIRE_DOCKER"))) {
            assertThat(missing).as("TASKSYNC_REQUIRE_DOCKER=true").isNull();
        }
        Assumptions.assumeTrue(missing == null, missing);
        for (String host : List.of(first, second)) {
            try (DockerConnection c = DockerConnection.of(host)) {
                engines.put(c.engineId(), host);
            }
        }
        assertThat(engines).as("the two engines tell themselves apart").hasSize(2);
        schema = TestDatabase.newSchema();
        api = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema).build();
        api.migrate();
    }

    @AfterEach
    void close() throws InterruptedException {
        for (Process p : workers) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        for (String host : engines.values()) {
            for (String tag : tags) {
                docker(host, "rmi", "-f", tag); // not on this engine: refused, and nothing to do
            }
        }
        if (api != null) {
            api.close();
        }
    }

    /** The docker CLI against the engine at {@code host}; its exit code. */
    private static int docker(String host, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "-H", host));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean hasImage(String engineId, String tag) {
        return docker(engines.get(engineId), "image", "inspect", tag) == 0;
    }

    /** {@code task-sync worker} in a JVM of its own on the engine at {@code dockerHost}. */
    private Process worker(String name, String dockerHost, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "worker", "--concurrency", "1", "--grace", "0"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(dir.resolve(name + "-out.txt").toFile())
                .redirectError(dir.resolve(name + "-err.txt").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TASKSYNC_") || k.startsWith("DOCKER_"));
        pb.environment().put("DOCKER_HOST", dockerHost);
        pb.environment().put("TASKSYNC_DB_URL", TestDatabase.jdbcUrl());
        pb.environment().put("TASKSYNC_DB_USER", String.valueOf(TestDatabase.user()));
        pb.environment().put("TASKSYNC_DB_PASSWORD", String.valueOf(TestDatabase.password()));
        pb.environment().put("TASKSYNC_SCHEMA", schema);
        Process p = pb.start();
        workers.add(p);
        return p;
    }

    private String outputOrWhy() {
        try {
            return output();
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private String output() throws IOException {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".txt")).sorted().toList()) {
                b.append("--- ").append(f.getFileName()).append('\n').append(Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        return b.toString();
    }

    /** On a timeout the failure shows what the processes printed. */
    private void await(String what, Duration max, Callable<Boolean> condition) {
        Awaits.await(what, max, condition, this::outputOrWhy);
    }

    /** A task: build → three runs (each sleeping {@code runSeconds}) → a shell in the image; returns its id. */
    private int fanOut(int n, int runSeconds) throws IOException {
        return fanOut(n, runSeconds, false);
    }

    /** As above; {@code labelled}: runs 1 and 3 need a worker labelled {@code fast}. */
    private int fanOut(int n, int runSeconds, boolean labelled) throws IOException {
        Path ctx = buildContext(n);
        String tag = "tsd-across16-" + schema.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "") + "-" + n + ":1.0";
        tags.add(tag);
        Task t = api.createTask("fan-" + n, null, ctx.toString());
        int build = api.createStep(t.id(), "build", "{\"docker_build\": {\"image_tag\": \"" + tag + "\", \"files\": [\"Dockerfile\"]}}").id();
        List<Integer> runs = new ArrayList<>();
        for (int k = 1; k <= 3; k++) {
            String runsOn = labelled && k != 2 ? "\"runs_on\": [\"fast\"], " : "";
            runs.add(api.createStep(t.id(), "run " + k, "{\"docker_run\": {\"image_tag\": \"" + tag + "\", \"command\": [\"sh\", \"-c\", \"sleep "
                    + runSeconds + "; echo run " + k + "\"], " + runsOn + "\"depends_on\": [{\"id\": " + build + "}]}}").id());
        }
        api.createStep(t.id(), "shell", "{\"docker_shell\": {\"docker\": {\"image_tag\": \"" + tag + "\"}, \"command\": [{\"command\": \"ls /bin/sh\"}],"
                + " \"depends_on\": [{\"id\": " + runs.get(0) + "}, {\"id\": " + runs.get(1) + "}, {\"id\": " + runs.get(2) + "}]}}");
        return t.id();
    }

    /** A build context of a busybox image FROM scratch, labelled {@code n} (so each is its own image). */
    private Path buildContext(int n) throws IOException {
        Path ctx = Files.createDirectories(dir.resolve("ctx-" + n));
        Files.copy(BUSYBOX, ctx.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
        ctx.resolve("busybox").toFile().setExecutable(true);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY busybox /bin/busybox\n"
                + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nLABEL task=" + n + "\n");
        return ctx;
    }

    /** The Docker engine of the worker whose attempt completed the step. */
    private String engineOf(Step s, Map<String, String> workerEngines) {
        List<StepRun> runs = api.history(s.id());
        StepRun done = runs.stream().filter(r -> "completed".equals(r.outcome())).reduce((a, b) -> b).orElseThrow();
        return workerEngines.get(done.workerId());
    }

    private Map<String, String> workerEngines() {
        Map<String, String> m = new HashMap<>();
        for (RegisteredWorker w : api.workers()) {
            m.put(w.id(), w.dockerEngine());
        }
        return m;
    }

    private boolean completed(int taskId) {
        return api.steps(taskId).stream().allMatch(s -> s.status() == StepStatus.COMPLETED);
    }

    @Test
    void fanOutTasksCompleteEachStepOnTheEngineOfItsBuild() throws Exception {
        List<Integer> tasks = new ArrayList<>();
        for (int n = 1; n <= 4; n++) {
            tasks.add(fanOut(n, 0));
        }
        worker("w1", first);
        worker("w2", second);
        await("two workers registered", Duration.ofMinutes(3), () -> api.workers().stream().filter(RegisteredWorker::live).count() == 2);
        assertThat(api.workers()).extracting(RegisteredWorker::dockerEngine).containsExactlyInAnyOrderElementsOf(engines.keySet());
        tasks.forEach(api::submit);
        await("every task completed", Duration.ofMinutes(4), () -> tasks.stream().allMatch(this::completed));
        Map<String, String> workerEngines = workerEngines();
        for (int taskId : tasks) {
            List<Step> steps = api.steps(taskId);
            String engine = engineOf(steps.get(0), workerEngines);
            assertThat(engine).isNotNull();
            for (Step s : steps) {
                assertThat(engineOf(s, workerEngines)).as("engine of step '" + s.title() + "' of task " + taskId).isEqualTo(engine);
                assertThat(api.history(s.id())).as("attempts of '" + s.title() + "'").hasSize(1);
            }
            String tag = steps.get(0).results().path("image_tag").asText();
            assertThat(steps.get(0).results().path("pinned").path("docker_engine").asText()).isEqualTo(engine);
            for (String e : engines.keySet()) {
                assertThat(hasImage(e, tag)).as("image " + tag + " on engine " + e).isEqualTo(e.equals(engine));
            }
        }
    }

    @Test
    void aWorkerKilledHoldingTheImageLeavesTheRestToTheOtherEngineWhichBuildsItAgain() throws Exception {
        int task = fanOut(9, 5);
        Process w1 = worker("w1", first, "--rebuild-after", "1");
        Process w2 = worker("w2", second, "--rebuild-after", "1");
        await("two workers registered", Duration.ofMinutes(3), () -> api.workers().stream().filter(RegisteredWorker::live).count() == 2);
        api.submit(task);
        List<Step> steps = api.steps(task);
        await("the build completed and a run started", Duration.ofMinutes(2),
                () -> api.step(steps.get(0).id()).status() == StepStatus.COMPLETED
                        && api.steps(task).stream().anyMatch(s -> s.status() == StepStatus.ACTIVE));
        String holder = api.step(steps.get(0).id()).results().path("pinned").path("docker_engine").asText();
        Process victim = engines.get(holder).equals(first) ? w1 : w2;
        Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(victim.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
        assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
        await("the task completed on the other engine", Duration.ofMinutes(3), () -> completed(task));
        Map<String, String> workerEngines = workerEngines();
        List<Step> done = api.steps(task);
        String other = engineOf(done.get(0), workerEngines);
        assertThat(other).as("the engine that built the image again").isNotEqualTo(holder).isIn(engines.keySet());
        assertThat(done.get(0).results().path("pinned").path("docker_engine").asText()).isEqualTo(other);
        assertThat(api.history(done.get(0).id())).extracting(StepRun::outcome).containsExactly("completed", "completed");
        for (Step s : done.subList(1, done.size())) {
            assertThat(engineOf(s, workerEngines)).as("engine of '" + s.title() + "'").isEqualTo(other);
            assertThat(api.history(s.id())).as("attempts of '" + s.title() + "'").noneMatch(r -> "failed".equals(r.outcome()));
        }
        assertThat(hasImage(other, done.get(0).results().path("image_tag").asText())).isTrue();
    }

    // ---- acr16: the chaos test with labels and two engines in play
    /**
     * Three worker processes, two on the first engine (one labelled {@code fast}) and one labelled {@code fast} on the
     * second; tasks whose runs half need {@code fast}; the worker running a step is killed with SIGKILL, again and again,
     * and started anew with its engine and labels. Every step completes exactly once, on a worker with its labels, on
     * the engine its build's image is on, and no two attempts of a step overlap.
     */
    @Test
    void labelledStepsOnTwoEnginesCompleteOnTheRightWorkersThroughKills() throws Exception {
        List<Integer> tasks = new ArrayList<>();
        for (int n = 31; n <= 33; n++) {
            tasks.add(fanOut(n, 3, true));
        }
        // Waiting for the engine of a killed worker's image beats building it again elsewhere here: restarts are quicker.
        String[][] kinds = {{first, "--label", "fast"}, {first}, {second, "--label", "fast"}};
        Map<Long, Integer> kindOfPid = new HashMap<>();
        List<Process> live = new ArrayList<>();
        int generation = 0;
        for (int k = 0; k < kinds.length; k++) {
            Process p = chaosWorker("c" + generation++, kinds[k]);
            kindOfPid.put(p.pid(), k);
            live.add(p);
        }
        await("three workers registered", Duration.ofMinutes(3), () -> api.workers().stream().filter(RegisteredWorker::live).count() == 3);
        tasks.forEach(api::submit);
        int kills = 0;
        while (kills < 3) {
            // The next victim: a worker process with a step running (attempt open), not killed yet.
            Long victim = Awaits.awaitValue("a worker running a step", Duration.ofMinutes(3), () -> runningPid(tasks, live),
                    pid -> pid != null || tasks.stream().allMatch(this::completed), this::outputOrWhy);
            if (victim == null) {
                break; // all done before the next kill
            }
            long pid = victim;
            Process p = live.stream().filter(x -> x.pid() == pid).findFirst().orElseThrow();
            assertThat(new ProcessBuilder("kill", "-KILL", Long.toString(victim)).inheritIO().start().waitFor()).isZero();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            kills++;
            live.remove(p);
            int kind = kindOfPid.get(victim);
            Process again = chaosWorker("c" + generation++, kinds[kind]);
            kindOfPid.put(again.pid(), kind);
            live.add(again);
        }
        await("every task completed", Duration.ofMinutes(6), () -> tasks.stream().allMatch(this::completed));

        Map<String, RegisteredWorker> byId = new HashMap<>();
        api.workers().forEach(w -> byId.put(w.id(), w));
        int abandoned = 0;
        for (int taskId : tasks) {
            List<Step> steps = api.steps(taskId);
            String engine = steps.get(0).results().path("pinned").path("docker_engine").asText();
            for (Step s : steps) {
                List<StepRun> runs = api.history(s.id());
                assertThat(runs).as("attempts of '" + s.title() + "' of task " + taskId).filteredOn(r -> "completed".equals(r.outcome()))
                        .hasSize(1);
                for (int i = 1; i < runs.size(); i++) {
                    assertThat(runs.get(i - 1).finishedAt()).as("attempts of '" + s.title() + "' do not overlap")
                            .isBeforeOrEqualTo(runs.get(i).startedAt());
                }
                abandoned += (int) runs.stream().filter(r -> "abandoned".equals(r.outcome())).count();
                RegisteredWorker by = byId.get(runs.get(runs.size() - 1).workerId());
                assertThat(runs.get(runs.size() - 1).outcome()).isEqualTo("completed");
                assertThat(by).as("the worker that completed '" + s.title() + "'").isNotNull();
                if (s != steps.get(0)) {
                    assertThat(by.dockerEngine()).as("engine of '" + s.title() + "' of task " + taskId).isEqualTo(engine);
                }
                if (s.settings().toString().contains("\"runs_on\"")) {
                    assertThat(by.labels()).as("labels of the worker that completed '" + s.title() + "'").contains("fast");
                }
            }
            String tag = steps.get(0).results().path("image_tag").asText();
            assertThat(hasImage(engine, tag)).as("image " + tag + " on the engine of its pin").isTrue();
        }
        assertThat(kills).isPositive();
        assertThat(abandoned).as("kills hit running steps").isPositive();
    }

    /** A worker on the engine {@code kind[0]} names, with the options after it. */
    private Process chaosWorker(String name, String... kind) throws IOException {
        List<String> args = new ArrayList<>(List.of(kind).subList(1, kind.length));
        args.addAll(List.of("--rebuild-after", "600"));
        return worker(name, kind[0], args.toArray(String[]::new));
    }

    /** The pid of a process in {@code live} whose worker has an attempt of the tasks' steps open, or null. */
    private Long runningPid(List<Integer> tasks, List<Process> live) {
        for (int taskId : tasks) {
            for (Step s : api.steps(taskId)) {
                if (s.status() != StepStatus.ACTIVE || !s.title().startsWith("run")) { // runs sleep: killed mid-run
                    continue;
                }
                for (StepRun r : api.history(s.id())) {
                    if (r.finishedAt() == null) {
                        for (Process p : live) {
                            if (r.workerId().contains("-" + p.pid() + "-")) { // the CLI's worker ids: cli-[host-]pid-n/wN
                                return p.pid();
                            }
                        }
                    }
                }
            }
        }
        return null;
    }

    // ---- acr16: docker_build "push" against the registry .ci/run starts on loopback (TASKSYNC_TEST_REGISTRY)
    @Test
    void anImagePushedFromOneEngineRunsOnTheOtherWhichPullsItFromTheRegistry() throws Exception {
        String registry = System.getenv("TASKSYNC_TEST_REGISTRY");
        if ("true".equalsIgnoreCase(System.getenv("TASKSYNC_REQUIRE_DOCKER"))) {
            assertThat(registry).as("TASKSYNC_TEST_REGISTRY (TASKSYNC_REQUIRE_DOCKER=true)").isNotBlank();
        }
        Assumptions.assumeTrue(registry != null && !registry.isBlank(), "no registry: set TASKSYNC_TEST_REGISTRY (e.g. localhost:5000)");
        Path ctx = buildContext(20);
        String name = "tsd-acr16-" + schema.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "") + "-push:1.0";
        String pushed = registry + "/" + name;
        tags.add(name);
        tags.add(pushed);
        Task t = api.createTask("push", null, ctx.toString());
        // The build runs only on the first engine's worker, the runs only on the second's: labels place them.
        int build = api.createStep(t.id(), "build", "{\"docker_build\": {\"image_tag\": \"" + name + "\", \"files\": [\"Dockerfile\"],"
                + " \"registry\": \"" + registry + "\", \"runs_on\": [\"engine-1\"]}}").id();
        int byTag = api.createStep(t.id(), "run by tag", "{\"docker_run\": {\"image_tag\": \"" + name + "\", \"command\": [\"echo\", \"by tag\"],"
                + " \"runs_on\": [\"engine-2\"], \"depends_on\": [{\"id\": " + build + "}]}}").id();
        int byId = api.createStep(t.id(), "run by id", "{\"docker_run\": {\"command\": [\"echo\", \"by id\"],"
                + " \"runs_on\": [\"engine-2\"], \"depends_on\": [{\"id\": " + build + "}]}}").id();
        worker("w1", first, "--label", "engine-1");
        worker("w2", second, "--label", "engine-2");
        await("two workers registered", Duration.ofMinutes(3), () -> api.workers().stream().filter(RegisteredWorker::live).count() == 2);
        String firstId = engineIdOf(first);
        String secondId = engineIdOf(second);
        assertThat(hasImage(secondId, name)).as("the second engine has no such image before").isFalse();
        api.submit(t.id());
        await("the task completed", Duration.ofMinutes(4), () -> completed(t.id()));

        Map<String, String> workerEngines = workerEngines();
        Step built = api.step(build);
        tags.add(built.results().path("image_id").asText()); // by id: also what the second engine pulled by digest
        assertThat(engineOf(built, workerEngines)).isEqualTo(firstId);
        assertThat(built.results().path("pushed").asText()).isEqualTo(pushed);
        assertThat(built.results().path("repo_digest").asText()).startsWith(registry + "/" + name.substring(0, name.indexOf(':')) + "@sha256:");
        assertThat(built.results().has("pinned")).as("a pushed image pins nothing").isFalse();
        for (int run : List.of(byTag, byId)) {
            assertThat(engineOf(api.step(run), workerEngines)).as("engine of step " + run).isEqualTo(secondId);
            assertThat(api.history(run)).extracting(StepRun::outcome).containsExactly("completed");
        }
        assertThat(hasImage(secondId, name)).as("pulled and tagged as the build tagged it").isTrue();
        assertThat(idOn(second, name)).isEqualTo(built.results().path("image_id").asText());
    }

    private String engineIdOf(String host) {
        return engines.entrySet().stream().filter(e -> e.getValue().equals(host)).map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    /** The id of image {@code ref} on the engine at {@code host}. */
    private static String idOn(String host, String ref) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("docker", "-H", host, "image", "inspect", "--format", "{{.Id}}", ref).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }
}
