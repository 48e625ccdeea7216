package dev.tasksync.cli;

import dev.tasksync.Task;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "graph", description = "Print a task's step dependency graph as Graphviz DOT or Mermaid.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  task-sync graph --task-id 1 | dot -Tsvg > graph.svg", "  task-sync graph --task build --format mermaid"})
final class GraphCommand extends BaseCommand {
    enum Format { dot, mermaid }

    @ArgGroup(exclusive = true, multiplicity = "1")
    StepCommands.TaskRef taskRef;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "dot",
            description = "dot or mermaid (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() {
        Task t = taskRef.resolve(this);
        String graph = ts().graph(t.id(), format.name());
        out().print(graph.endsWith("\n") ? graph : graph + "\n");
        out().flush();
        return Cli.OK;
    }
}
