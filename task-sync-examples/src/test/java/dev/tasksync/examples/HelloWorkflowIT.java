package dev.tasksync.examples;

import dev.tasksync.RunResult;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class HelloWorkflowIT {
    @TempDir
    Path dir;

    @Test
    void runsThreeDependentStepsWithTheCustomTypeFoundByServiceLoader() throws Exception {
        Files.writeString(dir.resolve("README.md"), "one two three");
        Files.writeString(dir.resolve("CHANGELOG.md"), "four five");
        try (TaskSync ts = TestDatabase.open()) {
            assertThat(ts.stepTypes()).contains("file_exists", "word_count");

            RunResult first = HelloWorkflow.run(ts, dir);
            assertThat(first.succeeded()).isTrue();
            assertThat(first.step("Count README words").orElseThrow().results().get("words").asInt()).isEqualTo(3);
            assertThat(first.step("Count CHANGELOG words").orElseThrow().results().get("total_words").asInt()).isEqualTo(5);

            RunResult second = HelloWorkflow.run(ts, dir);
            assertThat(second.steps()).allMatch(s -> !s.executed() && s.status() == StepStatus.COMPLETED);

            Files.writeString(dir.resolve("CHANGELOG.md"), "four five six");
            RunResult third = HelloWorkflow.run(ts, dir);
            assertThat(third.steps()).filteredOn(s -> s.executed()).extracting(s -> s.title())
                    .containsExactly("Count CHANGELOG words");
            assertThat(third.step("Count CHANGELOG words").orElseThrow().results().get("total_words").asInt()).isEqualTo(6);
        }
    }
}
