package dev.tasksync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.JsonShapes;
import dev.tasksync.Plan;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** What every leaf command shares: its streams and the database session of the root command. */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    TaskSyncCommand root() {
        return TaskSyncCommand.of(spec);
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Colours for statuses in this command's output (none unless on a terminal, see {@link Colors}). */
    Colors colors() {
        return root().colors();
    }

    TaskSync ts() {
        return root().open();
    }

    /** A task given as its id (all digits) or its name. */
    Task task(String idOrName) {
        return ts().task(idOrName.trim());
    }

    /** {@code plan --json}'s shape, which {@code submit --json} gives too: with dependencies and waits. */
    ObjectNode planJson(int taskId, Plan plan) {
        return JsonShapes.plan(plan, ts().steps(taskId), ts().dependencies(taskId), ts().waitReasons(taskId));
    }

    static String orDash(Object o) {
        return o == null || o.toString().isEmpty() ? "-" : o.toString();
    }
}
