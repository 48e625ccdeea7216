package dev.tasksync.examples;

import dev.tasksync.RunResult;
import dev.tasksync.StepResult;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;
import dev.tasksync.steps.FileExists;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Three dependent steps on the embedded PostgreSQL: check that the README exists, then
 * count their words with the custom {@code word_count} step type. Run it twice: the second run
 * finds every step up to date.
 *
 * <p>Arguments: the directory to check (default: the repository root found from the current directory).
 */
public final class HelloWorkflow {

    public static void main(String[] args) {
        Path dir = args.length > 0 ? Paths.get(args[0]) : repositoryRoot();
        try (TaskSync taskSync = TaskSync.embedded()) {
            RunResult result = run(taskSync, dir);
            System.out.printf("task %d '%s': %s in %d ms%n", result.taskId(), result.taskName(),
                    result.taskStatus(), result.elapsed().toMillis());
            for (StepResult step : result.steps()) {
                System.out.printf("  %-24s %-10s %-9s %s%n", step.title(), step.status().dbValue(),
                        step.executed() ? "ran" : "unchanged", step.results());
            }
            if (!result.succeeded()) {
                System.exit(1);
            }
        }
    }

    /** Saves the workflow (updating it in place when it exists) and runs it. */
    public static RunResult run(TaskSync taskSync, Path dir) {
        TaskDefinition docs = TaskDefinition.named("hello-docs")
                .localPath(dir)
                .step("Check the README exists", FileExists.of("README.md"))
                .step("Count README words", WordCount.of("README.md")).dependsOn("Check the README exists")
                .step("Count CHANGELOG words", WordCount.of("CHANGELOG.md")).dependsOn("Count README words")
                .build();

        Task task = taskSync.save(docs);
        return taskSync.run(task);
    }

    private static Path repositoryRoot() {
        Path dir = Paths.get("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("README.md")) && Files.exists(p.resolve("CHANGELOG.md"))) {
                return p;
            }
        }
        return dir;
    }
}
