package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.spi.LocalFiles;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepLog;
import dev.tasksync.spi.StepOutcome;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
import java.nio.file.PathMatcher;

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
    /** The key of a column's run (its commands and inputs) among its cells, when the cells come from test reports. */
    static final String RUN = "\u0001run";

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
            columns = columns(settings, context.localPath());
        } catch (MissingInput e) {
            return StepOutcome.failure(e.getMessage(), results);
        }
        if (g.heldOutTests() != null) {
            heldOut = LocalFiles.resolve(context.localPath(), g.heldOutTests(), settings.allowOutside());
            if (!Files.exists(heldOut)) {
                return StepOutcome.failure("held_out_tests not found: " + heldOut, results);
            }
        }
        String imageId = docker.call("inspecting image '" + named + "'", () -> docker.client().inspectImageCmd(image).exec().getId());
        Map<String, String> shared = shared(settings, context.localPath(), context.ignoredFiles(), heldOut, imageId);
        boolean reports = reports(settings);
        List<ColumnPlan> plans = plan(planned(settings, criteria), columns, shared, context.lastResults(), reports);
        ArrayNode regraded = Settings.JSON.arrayNode();
        plans.forEach(p -> p.toGrade.forEach((id, why) -> regraded.add(p.column.name() + " × " + id + ": " + why)));
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
            for (ColumnPlan plan : plans) {
                futures.add(pool.submit(() -> gradeColumn(plan)));
            }
            for (int i = 0; i < plans.size(); i++) {
                try {
                    graded.put(plans.get(i).column.name(), futures.get(i).get());
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

        // Each column's cells, kept or graded now; with test reports, the rows are the tests any column reported.
        Map<String, Map<String, ObjectNode>> byColumn = new LinkedHashMap<>();
        Map<String, DockerRubrics.Criterion> rowsById = new LinkedHashMap<>();
        if (!reports) {
            criteria.forEach(c -> rowsById.put(c.id(), c));
        }
        for (ColumnPlan plan : plans) {
            Map<String, ObjectNode> cells = new LinkedHashMap<>(plan.kept);
            cells.putAll(graded.getOrDefault(plan.column.name(), Map.of()));
            byColumn.put(plan.column.name(), cells);
            if (reports) {
                cells.forEach((name, cell) -> {
                    if (!RUN.equals(name)) {
                        rowsById.putIfAbsent(name, new DockerRubrics.Criterion(name, name, "", cell.path("max_score").asDouble(), false));
                    }
                });
            }
        }
        List<DockerRubrics.Criterion> rowList = List.copyOf(rowsById.values());
        ArrayNode rows = results.putArray("criteria");
        for (DockerRubrics.Criterion c : rowList) {
            rows.addObject().put("id", c.id()).put("title", c.title()).put("command", c.command())
                    .put("points", c.points()).put("required", c.required());
        }
        ArrayNode out = results.putArray("solutions");
        List<String> broken = new ArrayList<>();
        List<String> notDiscriminating = new ArrayList<>();
        for (ColumnPlan plan : plans) {
            ObjectNode col = out.addObject().put("name", plan.column.name()).put("kind", plan.column.kind());
            ObjectNode cells = Settings.JSON.objectNode();
            double score = 0;
            double max = 0;
            boolean required = true;
            Map<String, ObjectNode> have = byColumn.get(plan.column.name());
            ObjectNode run = have.get(RUN);
            String error = run != null && run.hasNonNull("error") ? run.get("error").asText() : null;
            for (DockerRubrics.Criterion c : rowList) {
                ObjectNode cell = have.get(c.id());
                if (cell == null) {
                    cell = Settings.JSON.objectNode().put("passed", false).put("score", 0).put("max_score", c.points())
                            .put("graded", false);
                }
                boolean passed = cell.path("passed").asBoolean(false);
                if (!reports) { // a kept cell is weighed by the criterion's points as they are now
                    cell.put("score", passed ? c.points() : 0).put("max_score", c.points());
                }
                cells.set(c.id(), cell);
                max += c.points();
                score += cell.path("score").asDouble(0);
                if (!passed && c.required()) {
                    required = false;
                }
                if (cell.hasNonNull("error") && error == null) {
                    error = cell.get("error").asText();
                }
                boolean gradedCell = cell.path("graded").asBoolean(true) && !cell.hasNonNull("error");
                if (gradedCell && !passed && GradingColumn.GOLDEN.equals(plan.column.kind())) {
                    broken.add(c.id());
                }
                if (gradedCell && passed && GradingColumn.ORIGINAL.equals(plan.column.kind())) {
                    notDiscriminating.add(c.id());
                }
            }
            col.put("score", score).put("max_score", max).put("passed_required", required && error == null);
            if (run != null) {
                col.set("run", run);
            }
            if (error != null) {
                col.put("error", error);
            }
            col.set("cells", cells);
        }
        results.set("broken", Settings.array(broken));
        results.set("does_not_discriminate", Settings.array(notDiscriminating));
        results.set("regraded", regraded);
        results.put("containers_started", containers.get());
        if (stopped != null) {
            return StepOutcome.failure(stopped, results);
        }
        if (!broken.isEmpty()) {
            log.line("broken (fail on golden): " + String.join(", ", broken));
        }
        if (!notDiscriminating.isEmpty()) {
            log.line("does not discriminate (pass on original): " + String.join(", ", notDiscriminating));
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

    static Map<String, String> shared(DockerRubrics settings, Path localPath, List<PathMatcher> ignore,
                                      Path heldOut, String imageId) {
        return CellFingerprints.shared(imageId, localPath, settings.files(), settings.allowOutside(), ignore, heldOut,
                settings.grading().verdict().toJson() + " " + (settings.limits() == null ? "no limits" : settings.limits().toJson()));
    }

    /** Which cells of each column are graded (with why) and which are kept from the last results. */
    static List<ColumnPlan> plan(List<DockerRubrics.Criterion> criteria, List<GradingColumn> columns,
                                 Map<String, String> shared, JsonNode lastResults, boolean reports) {
        Map<String, JsonNode> before = new LinkedHashMap<>();
        if (lastResults != null && lastResults.get("solutions") != null) {
            for (JsonNode c : lastResults.get("solutions")) {
                before.put(c.path("name").asText(), c);
            }
        }
        List<ColumnPlan> plans = new ArrayList<>();
        for (GradingColumn col : columns) {
            ColumnPlan plan = new ColumnPlan(col, new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
            JsonNode old = before.get(col.name());
            for (DockerRubrics.Criterion c : criteria) {
                Map<String, String> inputs = new LinkedHashMap<>(shared);
                inputs.put("patch", CellFingerprints.column(col));
                inputs.put("criterion", CellFingerprints.criterion(c));
                plan.inputs.put(c.id(), inputs);
                JsonNode oldCell = old == null ? null : reports ? old.get("run")
                        : old.get("cells") == null ? null : old.get("cells").get(c.id());
                String reason = CellFingerprints.reason(inputs, oldCell == null ? null : oldCell.get("inputs"));
                if (reason == null && reports) {
                    plan.kept.put(RUN, (ObjectNode) oldCell.deepCopy());
                    old.path("cells").fields().forEachRemaining(e -> plan.kept.put(e.getKey(), (ObjectNode) e.getValue().deepCopy()));
                } else if (reason == null) {
                    plan.kept.put(c.id(), (ObjectNode) oldCell.deepCopy());
                } else {
                    plan.toGrade.put(c.id(), reason);
                }
            }
            plans.add(plan);
        }
        return plans;
    }

    /**
     * For plan: the cells a run would grade again, as "model-2 × tests_pass: patch changed". The image is taken to be
     * the one the last results graded in (a rebuilt image re-runs the step as its upstream changed anyway).
     */
    static List<String> changedCells(DockerRubrics settings, List<DockerRubrics.Criterion> criteria, Path localPath,
                                     List<PathMatcher> ignore, JsonNode lastResults) throws IOException {
        if (lastResults == null || lastResults.get("solutions") == null) {
            return List.of();
        }
        List<GradingColumn> columns;
        try {
            columns = columns(settings, localPath);
        } catch (MissingInput e) {
            return List.of(e.getMessage());
        }
        Path heldOut = settings.grading().heldOutTests() == null ? null
                : LocalFiles.resolve(localPath, settings.grading().heldOutTests(), settings.allowOutside());
        JsonNode first = lastResults.path("solutions").path(0);
        JsonNode anyInputs = first.has("run") ? first.get("run").path("inputs")
                : first.path("cells").elements().hasNext() ? first.path("cells").elements().next().path("inputs") : null;
        String imageId = anyInputs == null ? "" : anyInputs.path("image").asText();
        List<String> changed = new ArrayList<>();
        for (ColumnPlan p : plan(planned(settings, criteria), columns, shared(settings, localPath, ignore, heldOut, imageId),
                lastResults, reports(settings))) {
            p.toGrade.forEach((id, why) -> changed.add(p.column.name() + " × " + id + ": " + why));
        }
        return changed;
    }

    /** True when the cells come from test reports the commands write (Gradescope's results.json, JUnit XML). */
    static boolean reports(DockerRubrics settings) {
        String kind = settings.grading().verdict().kind();
        return "results_json".equals(kind) || "junit_xml".equals(kind);
    }

    /**
     * What is planned cell by cell: the criteria, or with test reports the column's commands as one unit (the tests
     * are known only once they ran).
     */
    static List<DockerRubrics.Criterion> planned(DockerRubrics settings, List<DockerRubrics.Criterion> criteria) {
        if (!reports(settings)) {
            return criteria;
        }
        StringBuilder commands = new StringBuilder();
        criteria.forEach(c -> commands.append(c.id()).append('\u0000').append(c.command()).append('\u0000'));
        return List.of(new DockerRubrics.Criterion("tests", "tests", commands.toString(), 0, false));
    }

    /** What one column grades: the criteria to grade with the reason, the cells kept, every cell's inputs. */
    record ColumnPlan(GradingColumn column, Map<String, String> toGrade, Map<String, ObjectNode> kept,
                              Map<String, Map<String, String>> inputs) {
    }

    static final class MissingInput extends Exception {
        MissingInput(String message) {
            super(message);
        }
    }

    static List<GradingColumn> columns(DockerRubrics settings, Path localPath) throws MissingInput, IOException {
        DockerRubrics.Grading g = settings.grading();
        List<GradingColumn> columns = new ArrayList<>();
        for (DockerRubrics.Solution s : g.solutions()) {
            columns.add(new GradingColumn(s.name(), GradingColumn.SOLUTION, patch(settings, localPath, "solution '" + s.name() + "'", s.patch())));
        }
        if (g.solutionsGlob() != null) {
            for (Path p : SolutionGlob.files(localPath, g.solutionsGlob())) {
                String file = p.getFileName().toString();
                int dot = file.lastIndexOf('.');
                columns.add(new GradingColumn(dot > 0 ? file.substring(0, dot) : file, GradingColumn.SOLUTION, p));
            }
            if (columns.isEmpty()) {
                throw new MissingInput("no solution patch matches " + g.solutionsGlob() + " under " + localPath);
            }
        }
        if (g.original()) {
            columns.add(new GradingColumn(GradingColumn.ORIGINAL, GradingColumn.ORIGINAL, null));
        }
        if (g.golden() != null) {
            columns.add(new GradingColumn(GradingColumn.GOLDEN, GradingColumn.GOLDEN, patch(settings, localPath, "golden", g.golden())));
        }
        return columns;
    }

    private static Path patch(DockerRubrics settings, Path localPath, String what, String path) throws MissingInput {
        Path p = LocalFiles.resolve(localPath, path, settings.allowOutside());
        if (!Files.isRegularFile(p)) {
            throw new MissingInput("patch of " + what + " not found: " + p);
        }
        return p;
    }

    /** Grades one column's cells to grade, in one container; a patch that does not apply fills them with its error. */
    private Map<String, ObjectNode> gradeColumn(ColumnPlan plan) throws Exception {
        Map<String, ObjectNode> cells = new LinkedHashMap<>();
        if (plan.toGrade.isEmpty()) {
            return cells;
        }
        Path tree = Files.createTempDirectory("tsd-grade-");
        try {
            String error = prepare(plan.column, tree);
            if (error != null) {
                log.line(plan.column.name() + ": " + error);
                if (reports(settings)) {
                    cells.put(RUN, Settings.JSON.objectNode().put("error", error).set("inputs", inputs(plan, planned(settings, criteria).get(0))));
                    return cells;
                }
                for (DockerRubrics.Criterion c : criteria) {
                    if (plan.toGrade.containsKey(c.id())) {
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
            deleteTree(tree);
        }
    }

    private void runInContainer(ColumnPlan plan, byte[] tar, Map<String, ObjectNode> cells) throws StepStopped {
        String id = docker.createChecked(context, image, cmd -> {
            cmd.withEntrypoint(DockerOps.KEEP_ALIVE).withCmd(List.of()).withWorkingDir(settings.workspace());
            if (settings.limits() != null) {
                settings.limits().applyTo(cmd);
            }
        });
        containers.incrementAndGet();
        try {
            docker.run("copying the files of " + plan.column.name() + " into container " + DockerOps.shortId(id),
                    () -> docker.client().copyArchiveToContainerCmd(id).withRemotePath("/")
                            .withTarInputStream(new ByteArrayInputStream(tar)).exec());
            docker.start(id, named);
            ContainerExec exec = new ContainerExec(docker, id);
            Duration timeout = timeout();
            boolean reports = reports(settings);
            ArrayNode commands = Settings.JSON.arrayNode();
            for (DockerRubrics.Criterion c : criteria) {
                if (!reports && !plan.toGrade.containsKey(c.id())) {
                    continue;
                }
                String where = plan.column.name() + " × " + c.id();
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
    private void readReports(ColumnPlan plan, String id, ArrayNode commands, Map<String, ObjectNode> cells) {
        DockerRubrics.Verdict v = settings.grading().verdict();
        ObjectNode run = Settings.JSON.objectNode();
        run.set("commands", commands);
        run.set("inputs", inputs(plan, planned(settings, criteria).get(0)));
        cells.put(RUN, run);
        Map<String, ObjectNode> tests;
        try {
            tests = "results_json".equals(v.kind()) ? ReportFiles.gradescope(docker, id, v.path())
                    : ReportFiles.junit(docker, id, settings.workspace(), v.path());
        } catch (Exception e) {
            run.put("error", "reading the test report " + v.path() + " failed: " + Errors.rootMessage(e));
            log.line(plan.column.name() + ": " + run.get("error").asText());
            return;
        }
        if (tests == null) {
            run.put("error", "no test report at " + v.path() + " after the commands ran");
            log.line(plan.column.name() + ": " + run.get("error").asText());
            return;
        }
        tests.forEach((name, cell) -> {
            log.line((cell.get("passed").asBoolean() ? "PASS " : "FAIL ") + plan.column.name() + " × " + name);
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

    private static ObjectNode inputs(ColumnPlan plan, DockerRubrics.Criterion c) {
        ObjectNode o = Settings.JSON.objectNode();
        plan.inputs.get(c.id()).forEach(o::put);
        return o;
    }

    /** Copies {@code files} into {@code tree}, applies the column's patch and the held-out tests; an error or null. */
    private String prepare(GradingColumn column, Path tree) throws IOException {
        Path base = context.localPath().toAbsolutePath().normalize();
        for (String f : settings.files()) {
            List<LocalFiles.Entry> found = LocalFiles.walk(base, f, settings.allowOutside(), context.ignoredFiles());
            if (found == null) {
                throw new DockerStepException("file to grade not found: " + base.resolve(f).normalize());
            }
            Path path = LocalFiles.resolve(base, f, settings.allowOutside());
            Path relBase = path.startsWith(base) ? base : path.getParent();
            for (LocalFiles.Entry e : found) {
                Path target = tree.resolve(relBase.relativize(e.path()).toString());
                if (e.kind() == LocalFiles.Kind.DIRECTORY) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(e.path(), target, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        try {
            if (column.patch() != null) {
                Patches.apply(column.patch(), tree);
            }
        } catch (Patches.NotApplied e) {
            return e.getMessage();
        }
        if (heldOut != null) {
            try {
                if (Files.isDirectory(heldOut)) {
                    overlay(heldOut, tree);
                } else {
                    Patches.apply(heldOut, tree);
                }
            } catch (Patches.NotApplied e) {
                return "held-out tests: " + e.getMessage();
            }
        }
        return null;
    }

    /** The held-out directory's content copied over the graded files (its files replace theirs). */
    private static void overlay(Path dir, Path tree) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) walk.sorted()::iterator) {
                Path target = tree.resolve(dir.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path tree) {
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary directory
        }
    }

    private static String tail(Output output) {
        String out = output.stdoutTail();
        String err = output.stderrTail();
        return err.isEmpty() ? out : out.isEmpty() ? err : out + err;
    }
}
