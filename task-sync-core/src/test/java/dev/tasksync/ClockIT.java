package dev.tasksync;

import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.testing.MovableClock;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine reads time in Java from the builder's clock. */
class ClockIT {

    /** {@code {"advance": {}}}: moves the clock forward two hours while it runs. */
    private static StepType<Object> advance(MovableClock clock) {
        return TestSteps.type("advance", JsonSettings::requireObject, context -> {
            clock.advance(Duration.ofHours(2));
            return StepOutcome.success(StepOutcome.newResults());
        });
    }

    @Test
    void aRunsDurationIsMeasuredOnTheBuildersClock() {
        MovableClock clock = new MovableClock(Instant.parse("2030-01-01T00:00:00Z"));
        try (TaskSync ts = TestDatabase.builder().clock(clock).stepType(advance(clock)).build()) {
            Task task = ts.save(TaskDefinition.named("clocked")
                    .step("a", StepSettings.of("advance", "{}"))
                    .step("b", StepSettings.of("advance", "{}")).dependsOn("a")
                    .build());
            RunResult result = ts.run(task.id());
            assertThat(result.taskStatus()).isEqualTo("completed");
            // The clock stood still but for the steps: the run took exactly what they moved it by.
            assertThat(result.elapsed()).isEqualTo(Duration.ofHours(4));
        }
    }
}
