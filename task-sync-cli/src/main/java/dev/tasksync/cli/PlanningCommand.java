package dev.tasksync.cli;

import dev.tasksync.JsonShapes;
import dev.tasksync.Plan;
import dev.tasksync.Task;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;

/**
 * What {@code plan} and {@code submit} share: the task they plan, {@code --json}, and the JSON they print (one shape,
 * with each step's dependencies and the waits). Each has its own {@code --force} and its own table.
 */
abstract class PlanningCommand extends BaseCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    StepCommands.TaskRef taskRef;

    @Mixin
    JsonOption json;

    /** Plans the task ({@code plan}) or plans and queues it ({@code submit}). */
    abstract Plan plan(int taskId);

    /** The plan as a table and notes. */
    abstract void print(Task task, Plan plan);

    @Override
    public final Integer call() {
        Task t = taskRef.resolve(this);
        Plan plan = plan(t.id());
        if (json.json) {
            Json.print(out(), JsonShapes.plan(plan, ts().steps(t.id()), ts().dependencies(t.id()), ts().waitReasons(t.id())));
        } else {
            print(t, plan);
        }
        return Cli.OK;
    }
}
