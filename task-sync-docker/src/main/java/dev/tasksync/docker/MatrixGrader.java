package dev.tasksync.docker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.spi.LocalFiles;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepLog;
import dev.tasksync.spi.StepOutcome;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Grades the matrix of a {@code docker_rubrics} step: every column (solution, original, golden) in a container of
 * its own that runs the criteria in order with exec, columns side by side up to {@code parallel}. A cell whose
 * inputs did not change since the last results is taken from them; a column with no cell to grade starts no
 * container.
 */
final class MatrixGrader {
    private final DockerOps docker;
    private final StepContext<DockerRubrics> context;
    private final DockerRubrics settings;
    private final List<DockerRubrics.Criterion> criteria;
    private final String image;
    private final String named;
    private final StepLog log;
    private final AtomicInteger containers = new AtomicInteger();
    private Path heldOut;

    MatrixGrader(DockerOps docker, StepContext<DockerRubrics> context, List<DockerRubrics.Criterion> criteria,
                 String image, String named) {
        this.docker = docker;
        this.context = context;
        this.settings = context.settings();
        this.criteria = criteria;
        this.image = image;
        this.named = named;
        StepLog stepLog = context.log();
        this.log = line -> {
            synchronized (stepLog) {
                stepLog.line(line);
            }
        };
    }

    StepOutcome grade(ObjectNode results) throws Exception {
        DockerRubrics.Grading g = settings.grading();
        List<GradingColumn> columns;
        try {
            columns = CellPlans.columns(settings, context.localPath());
        } catch (CellPlans.MissingInput e) {
            return StepOutcome.failure(e.getMessage(), results);
        }
        if (g.heldOutTests() != null) {
            heldOut = LocalFiles.resolve(context.localPath(), g.heldOutTests(), settings.allowOutside());
            if (!Files.exists(heldOut)) {
                return StepOutcome.failure("held_out_tests not found: " + heldOut, results);
            }
        }
        String imageId = docker.call("inspecting image '" + named + "'", () -> docker.client().inspectImageCmd(image).exec().getId());
        Map<String, String> shared = CellPlans.shared(settings, context.localPath(), context.ignoredFiles(), heldOut, imageId);
        boolean reports = CellPlans.reports(settings);
        List<CellPlans.ColumnPlan> plans = CellPlans.plan(CellPlans.planned(settings, criteria), columns, shared, context.lastResults(), reports);
        ArrayNode regraded = Settings.JSON.arrayNode();
        plans.forEach(p -> p.toGrade().forEach((id, why) -> regraded.add(p.column().name() + " × " + id + ": " + why)));
        regraded.forEach(r -> log.line("grading " + r.asText()));

        int parallel = parallel(g.parallel(), context.slots(), plans.size());
        log.line("grading " + plans.size() + " columns, " + parallel + " at once");
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "docker-rubrics-" + context.stepId());
            t.setDaemon(true);
            return t;
        });
        Map<String, Map<String, ObjectNode>> graded = new LinkedHashMap<>();
        String stopped = null;
        try {
            List<Future<Map<String, ObjectNode>>> futures = new ArrayList<>();
            for (CellPlans.ColumnPlan plan : plans) {
                futures.add(pool.submit(() -> gradeColumn(plan)));
            }
            for (int i = 0; i < plans.size(); i++) {
                try {
                    graded.put(plans.get(i).column().name(), futures.get(i).get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof StepStopped s) {
                        stopped = s.getMessage();
                    } else if (e.getCause() instanceof Exception x) {
                        throw x;
                    } else {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            stopped = "cancelled while grading";
        } finally {
            pool.shutdownNow();
            // Each column removes its container on the way out: wait for that, also when stopped.
            boolean interrupted = Thread.interrupted();
            pool.awaitTermination(1, TimeUnit.MINUTES);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        MatrixResults.Flags flags = MatrixResults.write(results, plans, graded, criteria, reports);
        results.set("regraded", regraded);
        results.put("containers_started", containers.get());
        if (stopped != null) {
            return StepOutcome.failure(stopped, results);
        }
        if (!flags.broken().isEmpty()) {
            log.line("broken (fail on golden): " + String.join(", ", flags.broken()));
        }
        if (!flags.notDiscriminating().isEmpty()) {
            log.line("does not discriminate (pass on original): " + String.join(", ", flags.notDiscriminating()));
        }
        return StepOutcome.success(results);
    }

    /**
     * How many columns are graded at once: {@code parallel} when set, else the step's share of the slots (the
     * run's or worker's concurrency), never more than there are columns.
     */
    static int parallel(int setting, int slots, int columns) {
        return Math.max(1, Math.min(columns, setting > 0 ? setting : slots));
    }

    /** Grades one column's cells to grade, in one container; a patch that does not apply fills them with its error. */
    private Map<String, ObjectNode> gradeColumn(CellPlans.ColumnPlan plan) throws Exception {
        Map<String, ObjectNode> cells = new LinkedHashMap<>();
        if (plan.toGrade().isEmpty()) {
            return cells;
        }
        Path tree = Files.createTempDirectory("tsd-grade-");
        try {
            String error = new ColumnFiles(context, heldOut).prepare(plan.column(), tree);
            if (error != null) {
                log.line(plan.column().name() + ": " + error);
                if (CellPlans.reports(settings)) {
                    cells.put(CellPlans.RUN, Settings.JSON.objectNode().put("error", error).set("inputs", inputs(plan, CellPlans.planned(settings, criteria).get(0))));
                    return cells;
                }
                for (DockerRubrics.Criterion c : criteria) {
                    if (plan.toGrade().containsKey(c.id())) {
                        cells.put(c.id(), Settings.JSON.objectNode().put("passed", false).put("score", 0)
                                .put("max_score", c.points()).put("error", error).set("inputs", inputs(plan, c)));
                    }
                }
                return cells;
            }
            List<String> top;
            try (Stream<Path> list = Files.list(tree)) {
                top = list.map(p -> p.getFileName().toString()).sorted().toList();
            }
            byte[] tar = Archives.tar(tree, top, settings.workspace(), false, List.of());
            runInContainer(plan, tar, cells);
            return cells;
        } finally {
            ColumnFiles.deleteTree(tree);
        }
    }

    private void runInContainer(CellPlans.ColumnPlan plan, byte[] tar, Map<String, ObjectNode> cells) throws StepStopped {
        String id = docker.createChecked(context, image, cmd -> {
            cmd.withEntrypoint(DockerOps.KEEP_ALIVE).withCmd(List.of()).withWorkingDir(settings.workspace());
            if (settings.limits() != null) {
                settings.limits().applyTo(cmd);
            }
        });
        containers.incrementAndGet();
        try {
            docker.run("copying the files of " + plan.column().name() + " into container " + DockerOps.shortId(id),
                    () -> docker.client().copyArchiveToContainerCmd(id).withRemotePath("/")
                            .withTarInputStream(new ByteArrayInputStream(tar)).exec());
            docker.start(id, named);
            ContainerExec exec = new ContainerExec(docker, id);
            Duration timeout = timeout();
            boolean reports = CellPlans.reports(settings);
            ArrayNode commands = Settings.JSON.arrayNode();
            for (DockerRubrics.Criterion c : criteria) {
                if (!reports && !plan.toGrade().containsKey(c.id())) {
                    continue;
                }
                String where = plan.column().name() + " × " + c.id();
                MarkerScan markers = Verdicts.scan(settings.grading().verdict());
                Output output = new Output(log, "[" + where + "] ", markers);
                ObjectNode cell = Settings.JSON.objectNode();
                cell.put("max_score", c.points());
                StepWait wait = StepWait.within(timeout, context::isCancelled);
                try {
                    ProcessExit exit = exec.run(c.command(), settings.workspace(), List.of(), output, wait);
                    boolean passed = Verdicts.passed(settings.grading().verdict(), exit.exitCode(), markers);
                    cell.put("passed", passed).put("score", passed ? c.points() : 0).put("exit_code", exit.exitCode())
                            .put("output", tail(output)).put("duration_ms", exit.duration().toMillis()).put("timed_out", false);
                } catch (StepStopped stopped) {
                    if (!stopped.timedOut()) {
                        throw stopped;
                    }
                    cell.put("passed", false).put("score", 0).putNull("exit_code").put("output", tail(output))
                            .put("duration_ms", timeout.toMillis()).put("timed_out", true);
                    restart(id, where);
                }
                if (reports) {
                    commands.add(cell.put("id", c.id()));
                    continue;
                }
                cell.set("inputs", inputs(plan, c));
                log.line((cell.get("passed").asBoolean() ? "PASS " : cell.get("timed_out").asBoolean() ? "TIMEOUT " : "FAIL ")
                        + where + " (" + cell.get("score").asDouble() + "/" + c.points() + ")");
                cells.put(c.id(), cell);
            }
            if (reports) {
                readReports(plan, id, commands, cells);
            }
        } finally {
            docker.removeQuietly(id);
        }
    }

    /** The tests the column's commands reported, as its cells; no report is the column's error. */
    private void readReports(CellPlans.ColumnPlan plan, String id, ArrayNode commands, Map<String, ObjectNode> cells) {
        DockerRubrics.Verdict v = settings.grading().verdict();
        ObjectNode run = Settings.JSON.objectNode();
        run.set("commands", commands);
        run.set("inputs", inputs(plan, CellPlans.planned(settings, criteria).get(0)));
        cells.put(CellPlans.RUN, run);
        Map<String, ObjectNode> tests;
        try {
            tests = "results_json".equals(v.kind()) ? ReportFiles.gradescope(docker, id, v.path())
                    : ReportFiles.junit(docker, id, settings.workspace(), v.path());
        } catch (Exception e) {
            run.put("error", "reading the test report " + v.path() + " failed: " + Errors.rootMessage(e));
            log.line(plan.column().name() + ": " + run.get("error").asText());
            return;
        }
        if (tests == null) {
            run.put("error", "no test report at " + v.path() + " after the commands ran");
            log.line(plan.column().name() + ": " + run.get("error").asText());
            return;
        }
        tests.forEach((name, cell) -> {
            log.line((cell.get("passed").asBoolean() ? "PASS " : "FAIL ") + plan.column().name() + " × " + name);
            cells.put(name, cell);
        });
    }

    /**
     * Ends what a timed-out criterion left running (a fork bomb holds every pid, so nothing could be exec'd beside
     * it): killing the container's first process ends them all; the files stay for the next criterion.
     */
    private void restart(String id, String where) {
        log.line(where + " timed out: restarting container " + DockerOps.shortId(id) + " to end its processes");
        docker.run("killing container " + DockerOps.shortId(id), () -> docker.client().killContainerCmd(id).exec());
        docker.start(id, named);
    }

    private Duration timeout() {
        if (settings.criterionTimeoutSeconds() > 0) {
            return Duration.ofSeconds(settings.criterionTimeoutSeconds());
        }
        return settings.limits() == null ? null : Duration.ofSeconds(settings.limits().timeoutSeconds());
    }

    private static ObjectNode inputs(CellPlans.ColumnPlan plan, DockerRubrics.Criterion c) {
        ObjectNode o = Settings.JSON.objectNode();
        plan.inputs().get(c.id()).forEach(o::put);
        return o;
    }

    private static String tail(Output output) {
        String out = output.stdoutTail();
        String err = output.stderrTail();
        return err.isEmpty() ? out : out.isEmpty() ? err : out + err;
    }
}
