package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.StepSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@code docker_rubrics} step: grades a submission inside a container.
 *
 * @param imageTag       the grading image (null with {@code imageId} null: the upstream docker_build's image)
 * @param imageId        the grading image by id
 * @param files          files and directories (relative to local_path) copied into {@code workspace}; watched
 * @param workspace      where the files go in the container, and the criteria's working directory
 * @param criteria       inline criteria (or use {@code rubric}); with neither, the image's own command is the one
 *                       criterion (the seed's example has none)
 * @param rubric         a rubric file relative to local_path: JSON or a Markdown checklist; watched
 * @param criterionTimeoutSeconds limit per criterion (0: none)
 * @param allowOutside   lets {@code files} and {@code rubric} name paths outside local_path ({@code allow_outside});
 *                       symbolic links are copied as links either way, never followed
 * @param grading        the grading matrix: solutions, golden, original, held-out tests, verdict, parallel
 *                       ({@link Grading#NONE}: one submission, today's behaviour)
 * @param limits         sandbox limits of the grading containers (null: none); {@link DockerLimits#DEFAULTS} by default
 */
public record DockerRubrics(String imageTag, String imageId, List<String> files, String workspace,
                            List<Criterion> criteria, String rubric, long criterionTimeoutSeconds,
                            boolean allowOutside, Grading grading, DockerLimits limits) implements StepSettings {
    public static final String TYPE = "docker_rubrics";

    @Override
    public String type() {
        return TYPE;
    }
    public static final String DEFAULT_WORKSPACE = "/workspace";

    /**
     * One criterion: its command passes when it exits 0.
     *
     * @param required when true, the step fails if this criterion fails
     */
    public record Criterion(String id, String title, String command, double points, boolean required) {
        public Criterion {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(command, "command");
            if (title == null) {
                title = id;
            }
            if (points < 0) {
                throw new IllegalArgumentException("points must not be negative");
            }
        }

        JsonNode toJson() {
            ObjectNode o = Settings.JSON.objectNode().put("id", id).put("title", title).put("command", command);
            if (points == Math.rint(points)) {
                o.put("points", (long) points);
            } else {
                o.put("points", points);
            }
            o.put("required", required);
            return o;
        }
    }

    /** A candidate solution: a unified diff relative to local_path, applied to a copy of {@code files}. */
    public record Solution(String name, String patch) {
        public Solution {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(patch, "patch");
        }
    }

    /**
     * How a criterion's run is judged.
     *
     * @param kind       {@code exit_code} (passes on exit 0), {@code markers} (the output holds {@code passMarker} and not
     *                   {@code failMarker}), {@code results_json} (Gradescope's results file at {@code path}) or
     *                   {@code junit_xml} (JUnit XML reports matching the glob {@code path})
     */
    public record Verdict(String kind, String passMarker, String failMarker, String path) {
        public static final Verdict EXIT_CODE = new Verdict("exit_code", null, null, null);

        public static Verdict markers(String passMarker, String failMarker) {
            return new Verdict("markers", passMarker, failMarker, null);
        }

        JsonNode toJson() {
            return switch (kind) {
                case "markers" -> {
                    ObjectNode o = Settings.JSON.objectNode().put("pass_marker", passMarker);
                    Settings.putString(o, "fail_marker", failMarker);
                    yield o;
                }
                case "results_json" -> Settings.JSON.objectNode().put("results_json", path);
                case "junit_xml" -> Settings.JSON.objectNode().put("junit_xml", path);
                default -> Settings.JSON.textNode("exit_code");
            };
        }
    }

    /**
     * The grading matrix's settings.
     *
     * @param solutions     named solution patches
     * @param solutionsGlob a glob relative to local_path ({@code solutions/*.patch}): one solution per file, named by it
     * @param golden        the reference patch (column G), or null
     * @param original      grades the unchanged files too (column O)
     * @param heldOutTests  a patch or a directory (relative to local_path) applied to every column after its own patch
     * @param verdict       how criteria are judged
     * @param parallel      how many columns are graded at once (0: the step's share of the slots)
     */
    public record Grading(List<Solution> solutions, String solutionsGlob, String golden, boolean original,
                          String heldOutTests, Verdict verdict, int parallel) {
        public static final Grading NONE = new Grading(List.of(), null, null, false, null, Verdict.EXIT_CODE, 0);

        public Grading {
            solutions = solutions == null ? List.of() : List.copyOf(solutions);
            if (verdict == null) {
                verdict = Verdict.EXIT_CODE;
            }
        }

        /** True when there is a matrix to grade (otherwise the step grades {@code files} as they are, as it always did). */
        public boolean isMatrix() {
            return !solutions.isEmpty() || solutionsGlob != null || golden != null || original;
        }
    }

    public DockerRubrics(String imageTag, String imageId, List<String> files, String workspace,
                         List<Criterion> criteria, String rubric, long criterionTimeoutSeconds) {
        this(imageTag, imageId, files, workspace, criteria, rubric, criterionTimeoutSeconds, false);
    }

    public DockerRubrics(String imageTag, String imageId, List<String> files, String workspace,
                         List<Criterion> criteria, String rubric, long criterionTimeoutSeconds, boolean allowOutside) {
        this(imageTag, imageId, files, workspace, criteria, rubric, criterionTimeoutSeconds, allowOutside, Grading.NONE,
                DockerLimits.DEFAULTS);
    }

    public DockerRubrics {
        if (grading == null) {
            grading = Grading.NONE;
        }
        files = Settings.copy(files);
        criteria = criteria == null ? List.of() : List.copyOf(criteria);
        if (workspace == null) {
            workspace = DEFAULT_WORKSPACE;
        }
        if (!criteria.isEmpty() && rubric != null) {
            throw new IllegalArgumentException("give criteria or a rubric file, not both");
        }
    }

    /** Grades {@code files} in {@code imageTag} against inline criteria (add them with {@link #withCriterion}). */
    public static DockerRubrics of(String imageTag, String... files) {
        return new DockerRubrics(imageTag, null, List.of(files), null, List.of(), null, 0);
    }

    public DockerRubrics withCriterion(String id, String title, String command, double points, boolean required) {
        List<Criterion> c = new ArrayList<>(criteria);
        c.add(new Criterion(id, title, command, points, required));
        return new DockerRubrics(imageTag, imageId, files, workspace, c, rubric, criterionTimeoutSeconds, allowOutside, grading, limits);
    }

    public DockerRubrics withRubric(String path) {
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, path, criterionTimeoutSeconds, allowOutside, grading, limits);
    }

    public DockerRubrics withWorkspace(String workspace) {
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, rubric, criterionTimeoutSeconds, allowOutside, grading, limits);
    }

    public DockerRubrics withCriterionTimeoutSeconds(long seconds) {
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, rubric, seconds, allowOutside, grading, limits);
    }

    /** Lets {@code files} and {@code rubric} name paths outside the task's local_path. */
    public DockerRubrics withAllowOutside(boolean allowOutside) {
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, rubric, criterionTimeoutSeconds, allowOutside, grading, limits);
    }

    public DockerRubrics withGrading(Grading grading) {
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, rubric, criterionTimeoutSeconds, allowOutside, grading, limits);
    }

    /** The sandbox limits of the grading containers; null for none. */
    public DockerRubrics withLimits(DockerLimits limits) {
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, rubric, criterionTimeoutSeconds, allowOutside, grading, limits);
    }

    @Override
    public JsonNode toJson() {
        ObjectNode o = Settings.image(imageTag, imageId);
        o.set("files", Settings.array(files));
        if (!DEFAULT_WORKSPACE.equals(workspace)) {
            o.put("workspace", workspace);
        }
        if (!criteria.isEmpty()) {
            ArrayNode c = o.putArray("criteria");
            criteria.forEach(x -> c.add(x.toJson()));
        }
        if (rubric != null) {
            o.put("rubric", rubric);
        }
        if (criterionTimeoutSeconds > 0) {
            o.put("criterion_timeout_seconds", criterionTimeoutSeconds);
        }
        if (allowOutside) {
            o.put("allow_outside", true);
        }
        if (!grading.solutions().isEmpty()) {
            ArrayNode list = o.putArray("solutions");
            grading.solutions().forEach(x -> list.addObject().put("name", x.name()).put("patch", x.patch()));
        } else if (grading.solutionsGlob() != null) {
            o.put("solutions", grading.solutionsGlob());
        }
        Settings.putString(o, "golden", grading.golden());
        if (grading.original()) {
            o.put("original", true);
        }
        Settings.putString(o, "held_out_tests", grading.heldOutTests());
        if (!Verdict.EXIT_CODE.equals(grading.verdict())) {
            o.set("verdict", grading.verdict().toJson());
        }
        if (grading.parallel() > 0) {
            o.put("parallel", grading.parallel());
        }
        if (limits == null) {
            o.put("limits", false);
        } else if (!DockerLimits.DEFAULTS.equals(limits)) {
            o.set("limits", limits.toJson());
        }
        return o;
    }
}
