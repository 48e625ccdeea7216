package dev.tasksync.cli;

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

    static String orDash(Object o) {
        return o == null || o.toString().isEmpty() ? "-" : o.toString();
    }
}
