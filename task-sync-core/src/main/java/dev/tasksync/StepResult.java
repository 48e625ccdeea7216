package dev.tasksync;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;

/**
 * One step's outcome in a {@link RunResult}, as stored.
 *
 * @param executed false when the step did not execute in this run (up to date, or skipped)
 * @param duration how long the last execution took (zero when it never executed)
 */
public record StepResult(int stepId, String title, StepStatus status, JsonNode results,
                         Duration duration, boolean executed) {
}
