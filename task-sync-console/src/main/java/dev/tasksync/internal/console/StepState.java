package dev.tasksync.internal.console;

import dev.tasksync.StepProgress;
import dev.tasksync.StepStatus;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Objects;

/** What a live task page shows of a step and updates: its status, attempt count and times. */
record StepState(int id, StepStatus status, int attempt, OffsetDateTime startedAt, OffsetDateTime finishedAt) {
    /** As {@link StepProgress#duration()}: zero while it runs or before it starts. */
    Duration duration() {
        return startedAt == null || finishedAt == null || finishedAt.isBefore(startedAt)
                ? Duration.ZERO
                : Duration.between(startedAt, finishedAt);
    }

    /** Whether the step table's attempt, finished or duration columns differ from {@code before}'s. */
    boolean progressedSince(StepState before) {
        return attempt != before.attempt || !Objects.equals(startedAt, before.startedAt)
                || !Objects.equals(finishedAt, before.finishedAt);
    }
}
