package dev.tasksync.benchmarks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.StepSettings;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardCopyOption;

/**
 * Item 4 (issue 3): start-to-exit of a busybox container through the {@code docker_run} step type
 * against {@code docker run --rm} on the same locally built image. The step type is found by
 * ServiceLoader (task-sync-docker on the class path); the row is skipped, with the reason, when it
 * is not there or no Docker engine answers.
 */
record DockerBench(Env env, Report report) {
    static final String IMAGE = "tasksync-bench-busybox:latest";
    private static final String GOAL = "≤ 1.0× docker CLI";
    /**
     * Runs of each side before the measured ones. The docker-java path (JSON, HTTP, frames) needs a few dozen
     * runs to be compiled as in a process that runs containers all day; after only 5 the run took ~5% longer.
     */
    private static final int WARMUP = 40;
    /** One-step no-op runs before those. */
    private static final int JIT_WARMUP = 300;

    void run() throws Exception {
        String name = "docker_run start-to-exit, busybox `true`";
        try (TaskSync probe = env.taskSync(1)) {
            if (!probe.stepTypes().contains("docker_run")) {
                report.skip("4d", name, GOAL, "no docker_run step type on the class path (task-sync-docker not built in)");
                return;
            }
        }
        String engine = exec(20, "docker", "info", "--format", "{{.ServerVersion}}");
        if (engine == null) {
            report.skip("4d", name, GOAL, "no Docker engine answers (`docker info` failed)");
            return;
        }
        String busybox = Files.isRegularFile(Path.of("/bin/busybox")) ? "/bin/busybox"
                : Files.isRegularFile(Path.of("/usr/bin/busybox")) ? "/usr/bin/busybox" : null;
        if (busybox == null) {
            report.skip("4d", name, GOAL, "no static busybox binary to build the test image (install busybox-static)");
            return;
        }
        Path ctx = Files.createDirectories(env.workDir.resolve("docker-context"));
        Files.copy(Path.of(busybox), ctx.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY busybox /bin/busybox\n"
                + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nCMD [\"/bin/true\"]\n");
        if (exec(300, "docker", "build", "-q", "-t", IMAGE, ctx.toString()) == null) {
            report.skip("4d", name, GOAL, "could not build the busybox test image");
            return;
        }
        int runs = env.config.dockerRuns();
        System.out.println("[docker] " + runs + " runs each of docker_run and `docker run --rm` (engine " + engine.strip() + ") ...");
        List<Double> cli = new ArrayList<>();
        List<Double> step = new ArrayList<>();
        List<Double> inside = new ArrayList<>();
        try (TaskSync ts = env.taskSync(1, new BenchSteps.NoopType())) {
            // The JVM warmed up as in a long-running process (and as after the suite's other rows): a few
            // hundred one-step runs compile the run's own path (jOOQ, JDBC, Jackson). Cold, that path takes
            // about 25 ms of a run instead of about 7.
            Task noop = ts.save(TaskDefinition.named("docker-warmup").step("noop", BenchSteps.noop(0)).build());
            for (int i = 0; i < JIT_WARMUP; i++) {
                ts.run(noop.id(), RunOptions.defaults().withConcurrency(1).withForce(true));
            }
            ObjectNode settings = JsonNodeFactory.instance.objectNode().put("image_tag", IMAGE);
            settings.putArray("command").add("true");
            Task t = ts.save(TaskDefinition.named("docker").step("run", StepSettings.of("docker_run", settings)).build());
            // Warm-up, both sides alike: the JVM's JIT needs a few runs of the engine and docker-java paths
            // (a long-running process embedding task-sync has them compiled); the CLI is compiled ahead of time.
            for (int i = 0; i < WARMUP; i++) {
                runStep(ts, t);
                exec(60, "docker", "run", "--rm", IMAGE, "true");
            }
            for (int i = 0; i < runs; i++) {
                long s = System.nanoTime();
                if (exec(60, "docker", "run", "--rm", IMAGE, "true") == null) {
                    throw new IllegalStateException("docker run --rm failed");
                }
                cli.add((System.nanoTime() - s) / 1e6);
                step.add(runStep(ts, t));
                inside.add(ts.steps(t.id()).get(0).duration().toNanos() / 1e6);
            }
        }
        double c = Stats.median(cli);
        double s = Stats.median(step);
        report.add(new Report.Row("4d", name, Report.ms(s) + " (TaskSync.run, 1 step)", Report.ms(c) + " (docker run --rm)",
                Report.ratio(s / c), "step itself " + Report.ms(Stats.median(inside)) + " (" + Report.ratio(Stats.median(inside) / c) + ")", GOAL, s / c <= 1.0 ? Report.Verdict.MET : Report.Verdict.MISSED,
                Report.num("median of %d after %d warm-up runs of each (and %d one-step no-op runs), engine %s",
                        runs, WARMUP, JIT_WARMUP, engine.strip())));
        report.note("Docker (4d): `TaskSync.run(task, force)` of a task whose single `docker_run` step runs `true` in a busybox image "
                + "built FROM scratch (the container's create, attach + wait, start, exit and auto-removal, as `docker run --rm` does, "
                + "plus the run's own bookkeeping), against the `docker run --rm` CLI on the same image, alternating; medians. "
                + "The \"step itself\" figure is the step's own started-to-finished time, without the run's bookkeeping.");
    }

    private static double runStep(TaskSync ts, Task t) {
        long s = System.nanoTime();
        RunResult r = ts.run(t.id(), RunOptions.defaults().withConcurrency(1).withForce(true));
        double ms = (System.nanoTime() - s) / 1e6;
        if (!r.succeeded()) {
            throw new IllegalStateException("docker_run step failed: " + r.steps().get(0).results());
        }
        return ms;
    }

    /** Runs a command; its stdout, or null when it fails or times out. */
    static String exec(int timeoutSeconds, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
