package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.StepResult;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestFiles;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** A real engine, a busybox image built once per class, and a TaskSync on the test PostgreSQL. */
abstract class DockerITBase {
    static final AtomicInteger TASKS = new AtomicInteger();
    static DockerConnection docker;
    static String image;
    static String imageId;
    /** Why the engine cannot be used, or null: checked once per class, reported by every test. */
    static String unavailable;

    @TempDir
    Path dir;
    TaskSync ts;

    @BeforeAll
    static void engine() throws IOException {
        unavailable = DockerTestSupport.unavailableReason();
        if (unavailable != null) {
            return;
        }
        docker = DockerConnection.fromEnvironment();
        image = "tasksync-test-busybox:it";
        imageId = DockerTestSupport.buildImage(docker, Files.createTempDirectory("tasksync-image"), image, "RUN mkdir -p /tmp");
    }

    @BeforeEach
    void open() {
        DockerTestSupport.assumeAvailable(unavailable);
        ts = TestDatabase.builder().stepType(DockerStepTypes.all(docker)).build();
    }

    @AfterEach
    void close() {
        if (ts != null) {
            ts.close();
        }
    }

    Task task() {
        return ts.createTask("task-" + TASKS.incrementAndGet() + "-" + System.nanoTime(), "new", dir.toString());
    }

    Step step(Task task, String title, String json) {
        return ts.createStep(task.id(), title, json);
    }

    /** A docker_build step titled "build" that builds the local path's Dockerfile as {@code tag}, copying {@code files}. */
    Step buildStep(Task task, String tag, String... files) {
        String copied = Arrays.stream(files).map(f -> "\"" + f + "\"").collect(Collectors.joining(", "));
        return step(task, "build", "{\"docker_build\": {\"image_tag\": \"" + tag + "\", \"files\": [" + copied + "]}}");
    }

    static StepResult result(RunResult r, String title) {
        return r.step(title).orElseThrow(() -> new AssertionError("no step " + title + " in " + r));
    }

    static JsonNode results(RunResult r, String title) {
        return result(r, title).results();
    }

    void write(String path, String content) throws IOException {
        TestFiles.write(dir, path, content);
    }
}
