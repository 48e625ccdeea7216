package dev.tasksync.testing;

import dev.tasksync.TaskSync;
import dev.tasksync.embedded.SharedServer;

import java.nio.file.Path;

/**
 * The CLI's use of the shared embedded server, in a process of its own as the CLI would be:
 * {@code SharedServerMain <home> start [task name]} starts it (and creates the task), printing its pid;
 * {@code SharedServerMain <home> stop} stops it.
 */
public final class SharedServerMain {
    private SharedServerMain() {
    }

    public static void main(String[] args) {
        SharedServer shared = SharedServer.in(Path.of(args[0]));
        if (args[1].equals("stop")) {
            System.out.println(shared.stop().map(i -> "stopped " + i.pid()).orElse("not running"));
            return;
        }
        SharedServer.Info info = shared.ensureRunning();
        if (args.length > 2) {
            try (TaskSync ts = TaskSync.embedded(shared.dataDirectory())) {
                ts.createTask(args[2]);
            }
        }
        System.out.println(info.pid());
    }
}
