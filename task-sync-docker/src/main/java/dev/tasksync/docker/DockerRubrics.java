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
 */
public record DockerRubrics(String imageTag, String imageId, List<String> files, String workspace,
                            List<Criterion> criteria, String rubric, long criterionTimeoutSeconds,
                            boolean allowOutside) implements StepSettings {
    public static final String TYPE = "docker_rubrics";
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

    public DockerRubrics(String imageTag, String imageId, List<String> files, String workspace,
                         List<Criterion> criteria, String rubric, long criterionTimeoutSeconds) {
        this(imageTag, imageId, files, workspace, criteria, rubric, criterionTimeoutSeconds, false);
    }

    public DockerRubrics {
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
        return new DockerRubrics(imageTag, imageId, files, workspace, c, rubric, criterionTimeoutSeconds, allowOutside);
    }

    public DockerRubrics withRubric(String path) {
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, path, criterionTimeoutSeconds, allowOutside);
    }

    public DockerRubrics withWorkspace(String workspace) {
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, rubric, criterionTimeoutSeconds, allowOutside);
    }

    public DockerRubrics withCriterionTimeoutSeconds(long seconds) {
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, rubric, seconds, allowOutside);
    }

    /** Lets {@code files} and {@code rubric} name paths outside the task's local_path. */
    public DockerRubrics withAllowOutside(boolean allowOutside) {
        return new DockerRubrics(imageTag, imageId, files, workspace, criteria, rubric, criterionTimeoutSeconds, allowOutside);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JsonNode toJson() {
        ObjectNode o = Settings.JSON.objectNode();
        Settings.putString(o, "image_tag", imageTag);
        Settings.putString(o, "image_id", imageId);
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
        return o;
    }
}
