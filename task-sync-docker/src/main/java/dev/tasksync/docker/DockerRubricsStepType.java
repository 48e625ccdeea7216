package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.LocalFiles;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import dev.tasksync.spi.UpstreamNeed;

/**
 * {@code docker_rubrics}: copies the submission into a fresh container and grades it: each criterion's command
 * passes when it exits 0. Results hold every criterion and the score; the step fails when a required criterion
 * fails. Re-evaluated only when a watched file (the submission or the rubric file) changed.
 */
public final class DockerRubricsStepType extends DockerStepType<DockerRubrics> {
    private static final Set<String> FIELDS = Set.of("image_tag", "image_id", "files", "workspace", "criteria", "rubric",
            "criterion_timeout_seconds", LocalFiles.ALLOW_OUTSIDE, "solutions", "golden", "original", "held_out_tests",
            "verdict", "parallel", "limits");
    /** How many re-graded cells plan names before it counts the rest. */
    private static final int MAX_CELLS_NAMED = 8;
    private static final Set<String> RESERVED_NAMES = Set.of(GradingColumn.ORIGINAL, GradingColumn.GOLDEN);

    public DockerRubricsStepType(DockerConnection connection) {
        super(connection, DockerRubrics.TYPE);
    }

    /** The grading image by tag: it waits for the step of the task that builds or pulls that tag. */
    @Override
    public Set<String> consumes(DockerRubrics settings) {
        return StepImage.consumed(settings.imageTag());
    }

    /** Without an image it grades in the image of the docker_build (or docker_pull) upstream of it. */
    @Override
    public Optional<UpstreamNeed> upstreamNeed(DockerRubrics settings) {
        return StepImage.upstreamNeed(settings.imageTag(), settings.imageId());
    }

    @Override
    public DockerRubrics parse(JsonSettings value) {
        Settings.onlyFields(value, FIELDS);
        String imageTag = Settings.optionalImage(value, "image_tag").orElse(null);
        String imageId = Settings.optionalImageId(value, "image_id").orElse(null);
        if (imageTag != null && imageId != null) {
            throw value.invalid("give image_tag or image_id, not both");
        }
        List<String> files = Settings.nonBlankList(value, "files");
        String workspace = Settings.optionalNonBlank(value, "workspace").orElse(DockerRubrics.DEFAULT_WORKSPACE);
        if (!workspace.startsWith("/")) {
            throw new InvalidSettingsException(value.path() + ".workspace", "must be an absolute path in the container");
        }
        List<DockerRubrics.Criterion> criteria = value.optionalField("criteria").map(Rubric::fromJson).orElse(List.of());
        String rubric = Settings.optionalNonBlank(value, "rubric").orElse(null);
        if (!criteria.isEmpty() && rubric != null) {
            throw value.invalid("give criteria or rubric, not both");
        }
        long timeout = Settings.timeout(value, "criterion_timeout_seconds").map(Duration::toSeconds).orElse(0L);
        boolean allowOutside = value.optionalBoolean(LocalFiles.ALLOW_OUTSIDE).orElse(false);
        DockerRubrics.Grading grading = grading(value);
        if (grading.isMatrix() && criteria.isEmpty() && rubric == null) {
            throw value.invalid("solutions, golden and original are graded against criteria: give criteria or rubric");
        }
        if (!grading.isMatrix() && grading.heldOutTests() != null) {
            throw new InvalidSettingsException(value.path() + ".held_out_tests", "applies to solutions: give solutions, golden or original");
        }
        String kind = grading.verdict().kind();
        if (!grading.isMatrix() && ("results_json".equals(kind) || "junit_xml".equals(kind))) {
            throw new InvalidSettingsException(value.path() + ".verdict." + kind, "applies to solutions: give solutions, golden or original");
        }
        DockerLimits limits = DockerLimits.parse(value, true).orElse(null);
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, rubric, timeout, allowOutside, grading, limits);
    }

    private static DockerRubrics.Grading grading(JsonSettings value) {
        List<DockerRubrics.Solution> solutions = new ArrayList<>();
        String glob = null;
        Optional<JsonSettings> field = value.optionalField("solutions");
        if (field.isPresent() && field.get().isString()) {
            glob = field.get().asNonBlankString();
        } else if (field.isPresent()) {
            Set<String> names = new HashSet<>();
            for (JsonSettings item : field.get().asList()) {
                item.requireObject();
                Settings.onlyFields(item, Set.of("name", "patch"));
                String name = item.field("name").asNonBlankString();
                if (RESERVED_NAMES.contains(name)) {
                    throw new InvalidSettingsException(item.path() + ".name", "'" + name + "' names a baseline column; choose another name");
                }
                if (!names.add(name)) {
                    throw new InvalidSettingsException(item.path() + ".name", "duplicate solution name '" + name + "'");
                }
                solutions.add(new DockerRubrics.Solution(name, item.field("patch").asNonBlankString()));
            }
            if (solutions.isEmpty()) {
                throw field.get().invalid("needs at least one {\"name\", \"patch\"}, or a glob such as \"solutions/*.patch\"");
            }
        }
        String golden = Settings.optionalNonBlank(value, "golden").orElse(null);
        boolean original = value.optionalBoolean("original").orElse(false);
        String heldOut = Settings.optionalNonBlank(value, "held_out_tests").orElse(null);
        DockerRubrics.Verdict verdict = value.optionalField("verdict").map(DockerRubricsStepType::verdict)
                .orElse(DockerRubrics.Verdict.EXIT_CODE);
        int parallel = value.optionalField("parallel").map(p -> {
            int n = p.asInt();
            if (n <= 0) {
                throw p.invalid("must be a positive number of solutions graded at once");
            }
            return n;
        }).orElse(0);
        return new DockerRubrics.Grading(solutions, glob, golden, original, heldOut, verdict, parallel);
    }

    private static DockerRubrics.Verdict verdict(JsonSettings v) {
        if (v.isString()) {
            if (!"exit_code".equals(v.asString())) {
                throw v.invalid("expected \"exit_code\" or an object with pass_marker (and fail_marker), results_json or junit_xml");
            }
            return DockerRubrics.Verdict.EXIT_CODE;
        }
        v.requireObject();
        Settings.onlyFields(v, Set.of("pass_marker", "fail_marker", "results_json", "junit_xml"));
        int kinds = (v.has("pass_marker") || v.has("fail_marker") ? 1 : 0) + (v.has("results_json") ? 1 : 0) + (v.has("junit_xml") ? 1 : 0);
        if (kinds != 1) {
            throw v.invalid("give one of pass_marker (with fail_marker), results_json or junit_xml");
        }
        if (v.has("results_json")) {
            String path = v.field("results_json").asNonBlankString();
            if (!path.startsWith("/")) {
                throw new InvalidSettingsException(v.path() + ".results_json", "must be an absolute path in the container");
            }
            return new DockerRubrics.Verdict("results_json", null, null, path);
        }
        if (v.has("junit_xml")) {
            String glob = v.field("junit_xml").asNonBlankString();
            if (glob.startsWith("/") || glob.contains("..")) {
                throw new InvalidSettingsException(v.path() + ".junit_xml", "must be a glob relative to the workspace, such as \"reports/*.xml\"");
            }
            return new DockerRubrics.Verdict("junit_xml", null, null, glob);
        }
        String pass = v.field("pass_marker").asNonBlankString();
        String fail = Settings.optionalNonBlank(v, "fail_marker").orElse(null);
        return DockerRubrics.Verdict.markers(pass, fail);
    }

    @Override
    public List<String> watchedFiles(DockerRubrics settings) {
        List<String> watched = new ArrayList<>(settings.files());
        if (settings.rubric() != null) {
            watched.add(settings.rubric());
        }
        DockerRubrics.Grading g = settings.grading();
        g.solutions().forEach(x -> watched.add(x.patch()));
        if (g.solutionsGlob() != null) {
            watched.add(SolutionGlob.directory(g.solutionsGlob()));
        }
        if (g.golden() != null) {
            watched.add(g.golden());
        }
        if (g.heldOutTests() != null) {
            watched.add(g.heldOutTests());
        }
        return watched;
    }

    /** The cells of the grading matrix that a run would grade again, and why ("model-2 × tests_pass: patch changed"). */
    @Override
    public Optional<String> rerunDetail(DockerRubrics settings, JsonNode lastResults, Path localPath, List<PathMatcher> ignoredFiles) {
        if (!settings.grading().isMatrix()) {
            return Optional.empty();
        }
        try {
            List<DockerRubrics.Criterion> criteria = settings.criteria();
            if (settings.rubric() != null) {
                Path file = LocalFiles.resolve(localPath, settings.rubric(), settings.allowOutside());
                if (!Files.isRegularFile(file)) {
                    return Optional.empty();
                }
                criteria = Rubric.fromFile(file);
            }
            List<String> cells = CellPlans.changedCells(settings, criteria, localPath, ignoredFiles, lastResults);
            if (cells.isEmpty()) {
                return Optional.empty();
            }
            int shown = Math.min(cells.size(), MAX_CELLS_NAMED);
            String more = cells.size() > shown ? " and " + (cells.size() - shown) + " more" : "";
            return Optional.of(String.join(", ", cells.subList(0, shown)) + more);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // plan only explains; the run reports what is wrong
        }
    }

    @Override
    public boolean allowsOutside(DockerRubrics settings) {
        return settings.allowOutside();
    }

    @Override
    public StepOutcome execute(StepContext<DockerRubrics> context) throws Exception {
        return StepFailures.failingOn(results -> grade(context, results), DockerStepException.class, InvalidSettingsException.class,
                LocalFiles.OutsideLocalPathException.class);
    }

    private StepOutcome grade(StepContext<DockerRubrics> context, ObjectNode results) throws Exception {
        DockerRubrics s = context.settings();
        List<DockerRubrics.Criterion> criteria = s.criteria();
        if (s.rubric() != null) {
            Path file = LocalFiles.resolve(context.localPath(), s.rubric(), s.allowOutside());
            if (!s.allowOutside() && LocalFiles.linksOutside(context.localPath(), file)) {
                return StepOutcome.failure("rubric file '" + s.rubric() + "' is a symbolic link out of the task's local_path "
                        + context.localPath() + "; it is not read unless the settings say \"allow_outside\": true", results);
            }
            if (!Files.isRegularFile(file)) {
                return StepOutcome.failure("rubric file not found: " + file, results);
            }
            criteria = Rubric.fromFile(file);
            results.put("rubric", s.rubric());
        }
        String image = StepImage.of(context, docker, s.imageTag(), s.imageId(), DockerRubrics.TYPE);
        results.put("image", image);
        String named = StepImage.named(context, image); // messages name it by its tag
        if (!named.equals(image)) {
            results.put("image_tag", named);
        }
        if (s.grading().isMatrix()) {
            return new MatrixGrader(docker, context, criteria, image, named).grade(results);
        }
        byte[] tar = Archives.tar(context.localPath(), s.files(), s.workspace(), s.allowOutside(), context.ignoredFiles());
        Duration timeout = s.criterionTimeoutSeconds() > 0 ? Duration.ofSeconds(s.criterionTimeoutSeconds())
                : s.limits() != null ? Duration.ofSeconds(s.limits().timeoutSeconds()) : null;
        boolean imageCommand = criteria.isEmpty();
        String id = docker.create(context, image, cmd -> {
            if (!imageCommand) {
                cmd.withEntrypoint(DockerOps.KEEP_ALIVE).withCmd(List.of());
            }
            cmd.withWorkingDir(s.workspace());
            if (s.limits() != null) {
                s.limits().applyTo(cmd);
            }
        });
        results.put("container_id", id);
        AttachedContainer attached = null;
        try {
            docker.run("copying " + s.files() + " into " + s.workspace() + " of container " + DockerOps.shortId(id),
                    () -> docker.client().copyArchiveToContainerCmd(id).withRemotePath("/")
                            .withTarInputStream(new ByteArrayInputStream(tar)).exec());
            ContainerExec exec = new ContainerExec(docker, id);
            Output imageOutput = new Output(context.log(), "[image_command] ");
            if (imageCommand) {
                // Its output attached and its exit awaited before it starts, as for docker_run.
                try {
                    attached = AttachedContainer.attach(docker, id, named, imageOutput, false, StepWait.untilStopped(context::isCancelled));
                } catch (StepStopped stopped) {
                    return StepOutcome.failure(stopped.getMessage(), results);
                }
            }
            docker.start(id, named);
            ArrayNode out = results.putArray("criteria");
            double score = 0;
            double max = 0;
            List<String> failedRequired = new ArrayList<>();
            int passedCount = 0;
            if (imageCommand) {
                criteria = List.of(new DockerRubrics.Criterion("image_command", "the image's own command", "", 1, true));
            }
            for (DockerRubrics.Criterion c : criteria) {
                if (context.isCancelled()) {
                    return StepOutcome.failure("cancelled while grading in container " + DockerOps.shortId(id), results);
                }
                max += c.points();
                ObjectNode r = out.addObject().put("id", c.id()).put("title", c.title()).put("command", c.command())
                        .put("required", c.required()).put("max_points", c.points());
                MarkerScan markers = Verdicts.scan(s.grading().verdict());
                Output output = imageCommand ? imageOutput : new Output(context.log(), "[" + c.id() + "] ", markers);
                ProcessExit exit;
                try {
                    StepWait wait = StepWait.within(timeout, context::isCancelled);
                    exit = imageCommand ? attached.awaitExit(wait) : exec.run(c.command(), s.workspace(), List.of(), output, wait);
                } catch (StepStopped stopped) {
                    if (!stopped.timedOut()) {
                        return StepOutcome.failure(stopped.getMessage(), results);
                    }
                    r.put("passed", false).put("timed_out", true).put("points", 0).put("output", tail(output));
                    if (c.required()) {
                        failedRequired.add(c.id());
                    }
                    continue;
                }
                boolean passed = imageCommand ? exit.exitCode() == 0
                        : Verdicts.passed(s.grading().verdict(), exit.exitCode(), markers);
                r.put("passed", passed).put("exit_code", exit.exitCode()).put("points", passed ? c.points() : 0)
                        .put("output", tail(output)).put("duration_ms", exit.duration().toMillis());
                context.log().line((passed ? "PASS " : "FAIL ") + c.id() + " (" + (passed ? c.points() : 0) + "/" + c.points() + ")");
                if (passed) {
                    score += c.points();
                    passedCount++;
                } else if (c.required()) {
                    failedRequired.add(c.id());
                }
            }
            results.put("score", score);
            results.put("max_score", max);
            results.put("passed_count", passedCount);
            results.put("criteria_count", criteria.size());
            results.put("passed", failedRequired.isEmpty());
            if (!failedRequired.isEmpty()) {
                return StepOutcome.failure("required criteria failed: " + String.join(", ", failedRequired)
                        + " (score " + fmt(score) + "/" + fmt(max) + ")", results);
            }
            return StepOutcome.success(results);
        } finally {
            if (attached != null) {
                attached.close();
            }
            docker.removeQuietly(id);
        }
    }

    private static String tail(Output output) {
        String out = output.stdoutTail();
        String err = output.stderrTail();
        return err.isEmpty() ? out : out.isEmpty() ? err : out + err;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
