package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.GradingMatrix;
import dev.tasksync.Task;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

@Command(name = "report", description = "Show the grading matrix of every docker_rubrics step of a task: criteria by "
        + "solution (then O: original, G: golden), totals and flags.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  task-sync report --task-id 1", "  task-sync report --task grading --markdown > matrix.md",
                "", "Cells: ✔ passed, ✘ failed, ⏱ timed out, ? not graded (e.g. the solution's patch does not apply)."})
final class ReportCommand extends BaseCommand {
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
        ObjectNode report = GradingMatrix.report(t, ts().steps(t.id()));
        if (format.json) {
            Json.print(out(), report);
            return Cli.OK;
        }
        List<JsonNode> matrices = new ArrayList<>();
        report.get("steps").forEach(matrices::add);
        PrintWriter out = out();
        if (matrices.isEmpty()) {
            out.println("Task " + t.id() + " '" + t.name() + "' has no docker_rubrics step.");
            return Cli.OK;
        }
        for (JsonNode m : matrices) {
            print(out, m, format.markdown);
        }
        return Cli.OK;
    }

    private static void print(PrintWriter out, JsonNode m, boolean markdown) {
        String title = "Step " + m.get("step_id").asInt() + " '" + m.get("title").asText() + "' (" + m.get("status").asText() + ")";
        if (m.get("columns").isEmpty()) {
            out.println((markdown ? "### " : "") + title + ": not graded yet");
            out.println();
            return;
        }
        List<String> head = new ArrayList<>(List.of("criterion", "points"));
        m.get("columns").forEach(c -> head.add(GradingMatrix.heading(c)));
        List<List<String>> body = new ArrayList<>();
        for (JsonNode r : m.get("rows")) {
            List<String> line = new ArrayList<>();
            line.add(r.get("id").asText());
            line.add(GradingMatrix.points(r.get("points").asDouble()) + (r.get("required").asBoolean() ? " required" : ""));
            m.get("columns").forEach(c -> line.add(GradingMatrix.symbol(r.get("cells").path(c.get("name").asText()).asText())));
            body.add(line);
        }
        List<String> totals = new ArrayList<>(List.of("total", ""));
        m.get("columns").forEach(c -> totals.add(GradingMatrix.points(c.get("score").asDouble()) + "/" + GradingMatrix.points(c.get("max_score").asDouble())
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
                out.println((markdown ? "- " : "  ") + GradingMatrix.heading(c) + ": " + c.get("error").asText());
            }
        }
        out.println(markdown ? "" : "  (! a required criterion failed)");
        if (!markdown) {
            out.println();
        }
    }

    private static void flags(PrintWriter out, JsonNode m, String key, String why, boolean markdown) {
        JsonNode list = m.get(key);
        if (list != null && !list.isEmpty()) {
            List<String> ids = new ArrayList<>();
            list.forEach(x -> ids.add(x.asText()));
            out.println((markdown ? "- **" + key + "**" : "  " + key) + " (" + why + "): " + String.join(", ", ids));
        }
    }
}
