package dev.tasksync;

import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * What a step table shows of a step as a run goes on, without its settings or results
 * ({@link TaskSync#stepProgress(int)}).
 *
 * @param type       the step type's key (the settings' one field), or "" when the settings have none
 * @param attempt    how many times the step was started (0 before the first)
 * @param startedAt  when the last execution started, or null
 * @param finishedAt when the last execution ended, or null
 */
public record StepProgress(int id, String title, String type, StepStatus status, int attempt, OffsetDateTime startedAt, OffsetDateTime finishedAt) {
    /** From start to end of the last execution; zero while it runs or before it starts (as {@link Step#duration()}). */
    public Duration duration() {
        return startedAt == null || finishedAt == null || finishedAt.isBefore(startedAt)
                ? Duration.ZERO
                : Duration.between(startedAt, finishedAt);
    }
}
