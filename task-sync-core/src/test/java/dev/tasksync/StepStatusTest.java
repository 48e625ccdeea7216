package dev.tasksync;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Statuses print as the database stores them and the CLI shows them. */
class StepStatusTest {
    @Test
    void printsAsStored() {
        assertThat(String.valueOf(StepStatus.COMPLETED)).isEqualTo("completed");
        assertThat("" + StepStatus.CANCELLED).isEqualTo("cancelled");
        for (StepStatus status : StepStatus.values()) {
            assertThat(status.toString()).isEqualTo(status.dbValue()).isLowerCase();
            assertThat(StepStatus.fromDb(status.toString())).isSameAs(status);
            assertThat(StepStatus.valueOf(status.name())).isSameAs(status);
        }
    }

    @Test
    void recordsThatHoldAStatusPrintItInLowerCase() {
        StepResult result = new StepResult(1, "Check", StepStatus.COMPLETED, null, Duration.ZERO, true);
        assertThat(result.toString()).contains("status=completed").doesNotContain("COMPLETED");
    }
}
