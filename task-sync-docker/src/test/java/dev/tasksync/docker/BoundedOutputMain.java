package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.spi.StepOutcome;

import java.nio.file.Path;

/**
 * Runs one {@code docker_run} whose container prints a 200 MB line with no newline, in this JVM (started with a
 * small heap by {@link DockerRunIT}), and prints what the step reported: {@code key=value} lines.
 */
public final class BoundedOutputMain {
    private BoundedOutputMain() {
    }

    public static void main(String[] args) throws Exception {
        DockerRunStepType type = new DockerRunStepType(DockerConnection.fromEnvironment());
        DockerRun settings = DockerRun.of(args[0], "sh", "-c", "head -c 200000000 /dev/zero | tr '\\0' a");
        TestContext<DockerRun> context = new TestContext<>(0, 0, Path.of("."), settings, () -> false);
        StepOutcome outcome = type.execute(context);
        JsonNode results = outcome.results();
        System.out.println("success=" + outcome.succeeded());
        System.out.println("exit_code=" + results.path("exit_code").asText());
        System.out.println("log_lines_cut=" + results.path("log_lines_cut").asText());
        System.out.println("stdout_length=" + results.path("stdout").asText().length());
        System.out.println("log_lines=" + context.lines().size());
        System.out.println("longest_log_line=" + context.lines().stream().mapToInt(String::length).max().orElse(0));
        context.lines().stream().filter(l -> l.contains("line cut") || l.contains("more bytes"))
                .forEach(l -> System.out.println("note=" + l.substring(Math.max(0, l.length() - 80))));
        System.exit(0);
    }
}
