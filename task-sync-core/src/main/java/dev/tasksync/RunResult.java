package dev.tasksync;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The outcome of {@link TaskSync#run}: every step of the task with its stored status and results. */
public record RunResult(int taskId, String taskName, String taskStatus, List<StepResult> steps, Duration elapsed) {

    public RunResult {
        steps = List.copyOf(steps);
    }

    /** True when every step completed. */
    public boolean succeeded() {
        return steps.stream().allMatch(s -> s.status() == StepStatus.COMPLETED);
    }

    public Optional<StepResult> step(String title) {
        return steps.stream().filter(s -> s.title().equals(title)).findFirst();
    }

    public long count(StepStatus status) {
        return steps.stream().filter(s -> s.status() == status).count();
    }
}
