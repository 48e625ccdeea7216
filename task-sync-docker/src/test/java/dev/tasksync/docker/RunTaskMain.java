package dev.tasksync.docker;

import dev.tasksync.RunResult;
import dev.tasksync.TaskSync;
import dev.tasksync.WorkerOptions;

import java.time.Duration;

/**
 * {@code RunTaskMain <jdbcUrl> <user> <password> <schema> <taskId>}: runs one task with the Docker step types and a
 * short lease, as {@code task-sync run} does, in a JVM of its own that a test may kill.
 */
public final class RunTaskMain {
    /** The lease both this JVM and the test use, so that a killed run's steps are taken over soon. */
    static final WorkerOptions OPTIONS = WorkerOptions.defaults().withLease(Duration.ofSeconds(3), Duration.ofMillis(500));

    private RunTaskMain() {
    }

    public static void main(String[] args) {
        try (TaskSync ts = TaskSync.builder().jdbcUrl(args[0], args[1], args[2]).schema(args[3]).migrate(false)
                .workerOptions(OPTIONS).stepType(DockerStepTypes.all(DockerConnection.fromEnvironment())).build()) {
            RunResult r = ts.run(Integer.parseInt(args[4]));
            System.out.println("run ended: " + r);
        }
    }
}
