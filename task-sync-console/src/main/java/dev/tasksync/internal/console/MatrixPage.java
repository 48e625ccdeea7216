package dev.tasksync.internal.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.GradingMatrix;
import dev.tasksync.Step;
import dev.tasksync.Task;

import java.util.ArrayList;
import java.util.List;

/**
 * The model of a docker_rubrics step's matrix page, made from {@link GradingMatrix#of} (the shape of {@code report
 * --json} and the API): criteria by column, totals, flags. Every string is escaped by jte when written.
 */
public record MatrixPage(Viewer viewer, Task task, Step step, List<Column> columns, List<Row> rows,
                         List<String> broken, List<String> doesNotDiscriminate) {

    /** A solution, O or G: its heading, name, total and the error that kept it from being graded. */
    public record Column(String heading, String name, String total, boolean passedRequired, String error) {
    }

    public record Row(String id, String title, String points, boolean required, List<Cell> cells) {
    }

    /** {@code state} is passed, failed, timed_out or not_graded (a CSS class too); {@code symbol} ✔ ✘ ⏱ ?. */
    public record Cell(String state, String symbol) {
    }

    static MatrixPage of(Viewer viewer, Task task, Step step) {
        JsonNode m = GradingMatrix.of(step);
        List<Column> columns = new ArrayList<>();
        for (JsonNode c : m.get("columns")) {
            columns.add(new Column(GradingMatrix.heading(c), c.path("name").asText(),
                    GradingMatrix.points(c.path("score").asDouble()) + "/" + GradingMatrix.points(c.path("max_score").asDouble()),
                    c.path("passed_required").asBoolean(), c.hasNonNull("error") ? c.get("error").asText() : null));
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : m.get("rows")) {
            List<Cell> cells = new ArrayList<>();
            for (Column c : columns) {
                String state = r.path("cells").path(c.name()).asText("not_graded");
                cells.add(new Cell(state, GradingMatrix.symbol(state)));
            }
            rows.add(new Row(r.path("id").asText(), r.path("title").asText(),
                    GradingMatrix.points(r.path("points").asDouble()), r.path("required").asBoolean(), cells));
        }
        return new MatrixPage(viewer, task, step, columns, rows, texts(m.get("broken")), texts(m.get("does_not_discriminate")));
    }

    private static List<String> texts(JsonNode list) {
        List<String> out = new ArrayList<>();
        if (list != null) {
            list.forEach(x -> out.add(x.asText()));
        }
        return out;
    }
}
