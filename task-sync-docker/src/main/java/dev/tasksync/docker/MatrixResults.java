package dev.tasksync.docker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graded matrix as the step's results: the rows (criteria, or with test reports the tests any column reported),
 * each column's cells kept or graded now with its score, and the criteria that fail on golden or pass on original.
 */
final class MatrixResults {
    private MatrixResults() {
    }

    /** The criteria that fail on the golden column, and those that pass on the original (they grade nothing). */
    record Flags(List<String> broken, List<String> notDiscriminating) {
    }

    /** Writes {@code criteria}, {@code solutions}, {@code broken} and {@code does_not_discriminate} into {@code results}. */
    static Flags write(ObjectNode results, List<CellPlans.ColumnPlan> plans, Map<String, Map<String, ObjectNode>> graded,
                       List<DockerRubrics.Criterion> criteria, boolean reports) {
        // Each column's cells, kept or graded now; with test reports, the rows are the tests any column reported.
        Map<String, Map<String, ObjectNode>> byColumn = new LinkedHashMap<>();
        Map<String, DockerRubrics.Criterion> rowsById = new LinkedHashMap<>();
        if (!reports) {
            criteria.forEach(c -> rowsById.put(c.id(), c));
        }
        for (CellPlans.ColumnPlan plan : plans) {
            Map<String, ObjectNode> cells = new LinkedHashMap<>(plan.kept());
            cells.putAll(graded.getOrDefault(plan.column().name(), Map.of()));
            byColumn.put(plan.column().name(), cells);
            if (reports) {
                cells.forEach((name, cell) -> {
                    if (!CellPlans.RUN.equals(name)) {
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
        for (CellPlans.ColumnPlan plan : plans) {
            ObjectNode col = out.addObject().put("name", plan.column().name()).put("kind", plan.column().kind());
            ObjectNode cells = Settings.JSON.objectNode();
            double score = 0;
            double max = 0;
            boolean required = true;
            Map<String, ObjectNode> have = byColumn.get(plan.column().name());
            ObjectNode run = have.get(CellPlans.RUN);
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
                if (gradedCell && !passed && GradingColumn.GOLDEN.equals(plan.column().kind())) {
                    broken.add(c.id());
                }
                if (gradedCell && passed && GradingColumn.ORIGINAL.equals(plan.column().kind())) {
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
        return new Flags(broken, notDiscriminating);
    }
}
