package dev.tasksync;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;

/**
 * One step's outcome in a {@link RunResult}, as stored.
 *
 * @param executed   true when this run executed the step; false when it did not (up to date, skipped, or
 *                   executed by another run or worker meanwhile: see {@code executedBy})
 * @param duration   how long the last execution during the run took (zero when it did not execute)
 * @param executedBy who executed the step during the run: the owner recorded with its attempt (this run's
 *                   own id, or another worker's); null when no one did
 */
public record StepResult(int stepId, String title, StepStatus status, JsonNode results,
                         Duration duration, boolean executed, String executedBy) {

    /** A step this run executed ({@code executed}) or did not, with no owner named. */
    public StepResult(int stepId, String title, StepStatus status, JsonNode results, Duration duration, boolean executed) {
        this(stepId, title, status, results, duration, executed, null);
    }

    /** True when another run or worker executed the step while this run waited for it. */
    public boolean executedElsewhere() {
        return !executed && executedBy != null;
    }
}
