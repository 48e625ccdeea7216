package dev.tasksync;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;

/**
 * A task with how many of its steps are in each status, as a list of tasks shows it.
 *
 * @param stepCounts  how many steps have each status (statuses with none are absent)
 * @param lastRunAt   when a step of the task last started, or null when none ever ran
 * @param lastEndedAt when a step of the task last finished, or null
 * @param duration    from the earliest start to the latest end among its steps' last executions (zero before
 *                    any finished)
 */
public record TaskSummary(Task task, Map<StepStatus, Integer> stepCounts, OffsetDateTime lastRunAt,
                          OffsetDateTime lastEndedAt, Duration duration) {

    public TaskSummary {
        stepCounts = Map.copyOf(stepCounts);
    }

    public int steps() {
        return stepCounts.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int count(StepStatus status) {
        return stepCounts.getOrDefault(status, 0);
    }
}
