package dev.tasksync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The grading matrix of {@code docker_rubrics} steps, read from their results, in the one shape {@code task-sync
 * report --json} prints and the console's {@code /api/tasks/{id}/report} serves: per step its {@code columns}
 * (solutions, then original and golden, with totals), {@code rows} (criteria with points, required and a cell per
 * column: {@code passed}, {@code failed}, {@code timed_out} or {@code not_graded}), {@code broken} and
 * {@code does_not_discriminate}.
 */
public final class GradingMatrix {
    /** The step type whose results hold a matrix. */
    public static final String RUBRICS = "docker_rubrics";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private GradingMatrix() {
    }

    /** Every rubric step's matrix of a task: {@code task_id}, {@code task}, {@code steps}. */
    public static ObjectNode report(Task task, List<Step> steps) {
        ObjectNode o = NODES.objectNode().put("task_id", task.id()).put("task", task.name());
        ArrayNode matrices = o.putArray("steps");
        for (Step s : steps) {
            if (RUBRICS.equals(s.type())) {
                matrices.add(of(s));
            }
        }
        return o;
    }

    /** The matrix of one step from its results (no columns before it was graded). */
    public static ObjectNode of(Step step) {
        ObjectNode m = NODES.objectNode().put("step_id", step.id()).put("title", step.title())
                .put("status", step.status().dbValue());
        ArrayNode columns = m.putArray("columns");
        ArrayNode rows = m.putArray("rows");
        JsonNode res = step.results();
        if (res == null || res.get("criteria") == null) {
            return m;
        }
        JsonNode solutions = res.get("solutions");
        if (solutions == null) {
            // One submission graded as it is: a single column.
            columns.addObject().put("name", "submission").put("kind", "submission")
                    .put("score", res.path("score").asDouble()).put("max_score", res.path("max_score").asDouble())
                    .put("passed_required", res.path("passed").asBoolean());
            for (JsonNode c : res.get("criteria")) {
                ObjectNode row = row(rows, c.path("id").asText(), c.path("title").asText(),
                        c.has("max_points") ? c.path("max_points").asDouble() : c.path("points").asDouble(), c.path("required").asBoolean());
                row.putObject("cells").put("submission", cell(c));
            }
            return m;
        }
        for (JsonNode s : solutions) {
            ObjectNode col = columns.addObject().put("name", s.path("name").asText()).put("kind", s.path("kind").asText())
                    .put("score", s.path("score").asDouble()).put("max_score", s.path("max_score").asDouble())
                    .put("passed_required", s.path("passed_required").asBoolean());
            if (s.hasNonNull("error")) {
                col.put("error", s.get("error").asText());
            }
        }
        for (JsonNode c : res.get("criteria")) {
            String id = c.path("id").asText();
            ObjectNode row = row(rows, id, c.path("title").asText(), c.path("points").asDouble(), c.path("required").asBoolean());
            ObjectNode cells = row.putObject("cells");
            for (JsonNode s : solutions) {
                cells.put(s.path("name").asText(), cell(s.path("cells").path(id)));
            }
        }
        m.set("broken", res.path("broken").isArray() ? res.get("broken") : NODES.arrayNode());
        m.set("does_not_discriminate", res.path("does_not_discriminate").isArray() ? res.get("does_not_discriminate")
                : NODES.arrayNode());
        return m;
    }

    /** A cell's symbol: ✔ passed, ✘ failed, ⏱ timed out, ? not graded. */
    public static String symbol(String cell) {
        return switch (cell) {
            case "passed" -> "✔";
            case "failed" -> "✘";
            case "timed_out" -> "⏱";
            default -> "?";
        };
    }

    /** The heading of a column: solutions by name, the baselines as O and G. */
    public static String heading(JsonNode column) {
        return switch (column.path("kind").asText()) {
            case "original" -> "O";
            case "golden" -> "G";
            default -> column.path("name").asText();
        };
    }

    /** Points as the report prints them: 2, not 2.0. */
    public static String points(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static ObjectNode row(ArrayNode rows, String id, String title, double points, boolean required) {
        return rows.addObject().put("id", id).put("title", title).put("points", points).put("required", required);
    }

    /** {@code passed}, {@code failed}, {@code timed_out} or {@code not_graded}. */
    private static String cell(JsonNode c) {
        if (c == null || c.isMissingNode() || c.hasNonNull("error") || !c.path("graded").asBoolean(true) || !c.has("passed")) {
            return "not_graded";
        }
        if (c.path("timed_out").asBoolean()) {
            return "timed_out";
        }
        return c.path("passed").asBoolean() ? "passed" : "failed";
    }
}
