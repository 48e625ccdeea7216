package dev.tasksync;

import dev.tasksync.steps.FileExists;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeIT {
    @TempDir
    Path dir;

    @Test
    void savesAndRunsADefinition() throws Exception {
        Files.writeString(dir.resolve("main.go"), "package main");
        try (TaskSync ts = TestDatabase.open()) {
            Task task = ts.save(TaskDefinition.named("smoke")
                    .localPath(dir)
                    .step("a", FileExists.of("main.go"))
                    .step("b", FileExists.of("main.go", "go.mod"))
                    .build());
            RunResult r = ts.run(task);
            assertThat(r.step("a").orElseThrow().status()).isEqualTo(StepStatus.COMPLETED);
            assertThat(r.step("b").orElseThrow().status()).isEqualTo(StepStatus.FAILED);
            System.out.println(r);
        }
    }
}
