package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.Step;
import dev.tasksync.Task;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

@Command(name = "report", description = "Show the grading matrix of every docker_rubrics step of a task: criteria by "
        + "solution (then O: original, G: golden), totals and flags.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  task-sync report --task-id 1", "  task-sync report --task grading --markdown > matrix.md",
                "", "Cells: ✔ passed, ✘ failed, ⏱ timed out, ? not graded (e.g. the solution's patch does not apply)."})
final class ReportCommand extends BaseCommand {
    static final String RUBRICS = "docker_rubrics";

    @ArgGroup(exclusive = true, multiplicity = "1")
    StepCommands.TaskRef taskRef;

    @ArgGroup(exclusive = true)
    Format format = new Format();

    static final class Format {
        @Option(names = "--json", description = "Print JSON (for scripts).")
        boolean json;

        @Option(names = "--markdown", description = "Print Markdown tables (paste into an issue or a pull request).")
        boolean markdown;
    }

    @Override
    public Integer call() {
        Task t = taskRef.resolve(this);
        List<ObjectNode> matrices = new ArrayList<>();
        for (Step s : ts().steps(t.id())) {
            if (RUBRICS.equals(s.type())) {
                matrices.add(matrix(s));
            }
        }
        if (format.json) {
            ObjectNode o = JsonNodeFactory.instance.objectNode().put("task_id", t.id()).put("task", t.name());
            o.putArray("steps").addAll(matrices);
            Json.print(out(), o);
            return Cli.OK;
        }
        PrintWriter out = out();
        if (matrices.isEmpty()) {
            out.println("Task " + t.id() + " '" + t.name() + "' has no docker_rubrics step.");
            return Cli.OK;
        }
        for (ObjectNode m : matrices) {
            print(out, m, format.markdown);
        }
        return Cli.OK;
    }

    /** The matrix of one step from its results: columns, rows of cells, flags. */
    static ObjectNode matrix(Step step) {
        ObjectNode m = JsonNodeFactory.instance.objectNode().put("step_id", step.id()).put("title", step.title())
                .put("status", step.status().toString().toLowerCase(Locale.ROOT));
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
                row.with("cells").put("submission", cell(c));
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
        m.set("broken", res.path("broken").isArray() ? res.get("broken") : JsonNodeFactory.instance.arrayNode());
        m.set("does_not_discriminate", res.path("does_not_discriminate").isArray() ? res.get("does_not_discriminate")
                : JsonNodeFactory.instance.arrayNode());
        return m;
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

    private static String symbol(String cell) {
        return switch (cell) {
            case "passed" -> "✔";
            case "failed" -> "✘";
            case "timed_out" -> "⏱";
            default -> "?";
        };
    }

    /** The heading of a column: solutions by name, the baselines as O and G. */
    private static String heading(JsonNode col) {
        return switch (col.path("kind").asText()) {
            case "original" -> "O";
            case "golden" -> "G";
            default -> col.path("name").asText();
        };
    }

    private static void print(PrintWriter out, ObjectNode m, boolean markdown) {
        String title = "Step " + m.get("step_id").asInt() + " '" + m.get("title").asText() + "' (" + m.get("status").asText() + ")";
        if (m.get("columns").isEmpty()) {
            out.println((markdown ? "### " : "") + title + ": not graded yet");
            out.println();
            return;
        }
        List<String> head = new ArrayList<>(List.of("criterion", "points"));
        m.get("columns").forEach(c -> head.add(heading(c)));
        List<List<String>> body = new ArrayList<>();
        for (JsonNode r : m.get("rows")) {
            List<String> line = new ArrayList<>();
            line.add(r.get("id").asText());
            line.add(points(r.get("points").asDouble()) + (r.get("required").asBoolean() ? " required" : ""));
            m.get("columns").forEach(c -> line.add(symbol(r.get("cells").path(c.get("name").asText()).asText())));
            body.add(line);
        }
        List<String> totals = new ArrayList<>(List.of("total", ""));
        m.get("columns").forEach(c -> totals.add(points(c.get("score").asDouble()) + "/" + points(c.get("max_score").asDouble())
                + (c.get("passed_required").asBoolean() ? "" : " !")));
        body.add(totals);
        if (markdown) {
            out.println("### " + title);
            out.println();
            out.println("| " + String.join(" | ", head) + " |");
            out.println("|" + "---|".repeat(head.size()));
            for (List<String> line : body) {
                out.println("| " + String.join(" | ", line) + " |");
            }
            out.println();
        } else {
            out.println(title);
            Table table = new Table(head.toArray(new String[0]));
            body.forEach(line -> table.row(line.toArray()));
            table.print(out);
        }
        flags(out, m, "broken", "fail on golden", markdown);
        flags(out, m, "does_not_discriminate", "pass on original", markdown);
        for (JsonNode c : m.get("columns")) {
            if (c.hasNonNull("error")) {
                out.println((markdown ? "- " : "  ") + heading(c) + ": " + c.get("error").asText());
            }
        }
        out.println(markdown ? "" : "  (! a required criterion failed)");
        if (!markdown) {
            out.println();
        }
    }

    private static void flags(PrintWriter out, ObjectNode m, String key, String why, boolean markdown) {
        JsonNode list = m.get(key);
        if (list != null && !list.isEmpty()) {
            List<String> ids = new ArrayList<>();
            list.forEach(x -> ids.add(x.asText()));
            out.println((markdown ? "- **" + key + "**" : "  " + key) + " (" + why + "): " + String.join(", ", ids));
        }
    }

    private static String points(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
