package dev.tasksync;

import java.time.OffsetDateTime;

/**
 * One attempt to execute a step, from the {@code step_runs} history table.
 *
 * @param outcome {@code completed}, {@code failed}, {@code timed_out}, {@code cancelled},
 *                {@code abandoned} (its worker lost the lease), {@code released} (its worker shut
 *                down), or null while it runs
 */
public record StepRun(long id, int stepId, int attempt, String workerId, OffsetDateTime startedAt,
                      OffsetDateTime finishedAt, String outcome, String error, String logTail) {
}
