package dev.tasksync.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.StepSettings;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Issue 19: a docker_rubrics grading matrix of {@value #SOLUTIONS} solutions × {@value #CRITERIA} criteria (each
 * {@code true}) against a shell loop doing {@code docker run --rm} per cell on the same image; then a no-op re-grade
 * (nothing changed, forced), which must start no container.
 */
record GradingBench(Env env, Report report) {
    static final String IMAGE = "tsd-grading19-bench:latest";
    static final int SOLUTIONS = 4;
    static final int CRITERIA = 20;
    private static final String GOAL = "≥ 3× a docker run --rm loop";

    void run() throws Exception {
        String name = "docker_rubrics " + SOLUTIONS + " solutions × " + CRITERIA + " criteria";
        try (TaskSync probe = env.taskSync(1)) {
            if (!probe.stepTypes().contains("docker_rubrics")) {
                report.skip("19", name, GOAL, "no docker_rubrics step type on the class path");
                return;
            }
        }
        Path busybox = Files.isRegularFile(Path.of("/bin/busybox")) ? Path.of("/bin/busybox") : null;
        if (DockerBench.exec(20, "docker", "info") == null || busybox == null) {
            report.skip("19", name, GOAL, "no Docker engine or no static busybox");
            return;
        }
        Path ctx = Files.createDirectories(env.workDir.resolve("grading-context"));
        Files.copy(busybox, ctx.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY busybox /bin/busybox\n"
                + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n");
        if (DockerBench.exec(300, "docker", "build", "-q", "-t", IMAGE, ctx.toString()) == null) {
            report.skip("19", name, GOAL, "could not build the busybox image");
            return;
        }
        try {
            measure(name);
        } finally {
            DockerBench.exec(60, "docker", "rmi", "-f", IMAGE);
        }
    }

    private void measure(String name) throws Exception {
        Path repo = Files.createDirectories(env.workDir.resolve("grading-repo"));
        Files.writeString(repo.resolve("answer.txt"), "41\n");
        StringBuilder solutions = new StringBuilder();
        for (int s = 1; s <= SOLUTIONS; s++) {
            Files.writeString(repo.resolve("s" + s + ".patch"), "--- a/answer.txt\n+++ b/answer.txt\n@@ -1 +1 @@\n-41\n+" + (41 + s) + "\n");
            solutions.append(s > 1 ? "," : "").append("{\"name\": \"s").append(s).append("\", \"patch\": \"s").append(s).append(".patch\"}");
        }
        StringBuilder criteria = new StringBuilder();
        for (int c = 1; c <= CRITERIA; c++) {
            criteria.append(c > 1 ? "," : "").append("{\"id\": \"c").append(c).append("\", \"command\": \"true\"}");
        }
        JsonNode settings = new ObjectMapper().readTree("{\"image_tag\": \"" + IMAGE + "\", \"files\": [\"answer.txt\"], "
                + "\"solutions\": [" + solutions + "], \"parallel\": " + SOLUTIONS + ", \"criteria\": [" + criteria + "]}");

        // The baseline: one `docker run --rm` per cell, one after the other.
        String loop = "for s in $(seq " + SOLUTIONS + "); do for c in $(seq " + CRITERIA + "); do docker run --rm " + IMAGE
                + " true || exit 1; done; done";
        System.out.println("[grading] " + SOLUTIONS * CRITERIA + " cells: docker_rubrics, then a docker run --rm loop ...");
        double taskSync;
        int started;
        int reStarted;
        try (TaskSync ts = env.taskSync(1)) {
            Task t = ts.save(TaskDefinition.named("grading-bench-" + System.nanoTime()).localPath(repo.toString())
                    .step("grade", StepSettings.of("docker_rubrics", settings)).build());
            long s = System.nanoTime();
            RunResult r = ts.run(t.id(), RunOptions.defaults().withConcurrency(1));
            taskSync = (System.nanoTime() - s) / 1e6;
            if (!r.succeeded()) {
                throw new IllegalStateException("grading failed: " + r.steps().get(0).results());
            }
            started = r.steps().get(0).results().get("containers_started").asInt();
            RunResult again = ts.run(t.id(), RunOptions.defaults().withConcurrency(1).withForce(true));
            reStarted = again.steps().get(0).results().get("containers_started").asInt();
        }
        long s = System.nanoTime();
        if (DockerBench.exec(900, "sh", "-c", loop) == null) {
            throw new IllegalStateException("the docker run --rm loop failed");
        }
        double baseline = (System.nanoTime() - s) / 1e6;
        double speedup = baseline / taskSync;
        report.add(new Report.Row("19", name, Report.ms(taskSync) + " (" + started + " containers)",
                Report.ms(baseline) + " (" + SOLUTIONS * CRITERIA + " × docker run --rm)", Report.ratio(taskSync / baseline),
                Report.num("%.1f× faster; forced no-op re-grade started %d containers", speedup, reStarted), GOAL,
                speedup >= 3 && reStarted == 0 ? Report.Verdict.MET : Report.Verdict.MISSED,
                "one run of each; one container per solution (criteria by exec), solutions in parallel"));
        report.note("Grading (19): a docker_rubrics step grading " + SOLUTIONS + " solution patches against " + CRITERIA
                + " criteria that run `true` (default sandbox limits), against a shell loop doing `docker run --rm` once per "
                + "cell on the same busybox image. The forced re-run grades no cell again (every cell's inputs are unchanged).");
    }
}
