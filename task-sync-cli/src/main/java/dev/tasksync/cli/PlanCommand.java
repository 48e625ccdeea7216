package dev.tasksync.cli;

import dev.tasksync.Plan;
import dev.tasksync.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "plan", description = "Show what 'run' would execute now and why, without running anything.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  task-sync plan --task-id 1", "  task-sync plan --task build --force --json"})
final class PlanCommand extends PlanningCommand {
    @Option(names = {"-f", "--force"}, description = "Plan as 'run --force' would.")
    boolean force;

    @Override
    Plan plan(int taskId) {
        return ts().plan(taskId, force);
    }

    @Override
    void print(Task t, Plan plan) {
        Dependencies deps = Dependencies.of(ts(), t.id());
        out().println("Plan for task " + plan.taskId() + " '" + plan.taskName() + "': " + plan.toRun().size() + " of "
                + plan.steps().size() + " step" + (plan.steps().size() == 1 ? "" : "s") + " would run.");
        Table table = new Table("ID", "TITLE", "RUN", "REASON");
        Colors colors = colors();
        plan.steps().forEach(s -> table.row(s.stepId(), s.title(), colors.willRun(s.willRun()), s.reason()));
        if (!table.isEmpty()) {
            table.print(out());
        }
        var implicit = deps.implicit();
        if (!implicit.isEmpty()) {
            out().println("Implicit dependencies (a step waits for the step of its task that makes what it uses):");
            implicit.forEach(d -> out().println("  " + deps.why(d)));
        }
        Waits.print(out(), ts().waitReasons(t.id()));
    }
}
