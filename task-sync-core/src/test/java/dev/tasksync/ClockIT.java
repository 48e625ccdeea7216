package dev.tasksync;

import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine reads time in Java from the builder's clock. */
class ClockIT {

    /** A clock that stands still until a test moves it. */
    static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** {@code {"advance": {}}}: moves the clock forward two hours while it runs. */
    record Advance(ManualClock clock) implements StepType<Object> {
        @Override
        public String key() {
            return "advance";
        }

        @Override
        public Object parse(JsonSettings value) {
            return value.requireObject();
        }

        @Override
        public StepOutcome execute(StepContext<Object> context) {
            clock.advance(Duration.ofHours(2));
            return StepOutcome.success(StepOutcome.newResults());
        }
    }

    @Test
    void aRunsDurationIsMeasuredOnTheBuildersClock() {
        ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
        try (TaskSync ts = TestDatabase.builder().clock(clock).stepType(new Advance(clock)).build()) {
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
