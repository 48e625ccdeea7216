package dev.tasksync;

import java.util.List;

/** What {@link TaskSync#run} would do now: each step, whether it would run, and why. */
public record Plan(int taskId, String taskName, List<PlannedStep> steps) {

    public Plan {
        steps = List.copyOf(steps);
    }

    /**
     * @param willRun true when the step would execute
     * @param reason  why: {@code never ran}, {@code settings changed}, {@code file X changed},
     *                {@code upstream 'Y' will run}, {@code forced}, {@code failed last time},
     *                or {@code up to date}
     */
    public record PlannedStep(int stepId, String title, boolean willRun, String reason) {
    }

    public List<PlannedStep> toRun() {
        return steps.stream().filter(PlannedStep::willRun).toList();
    }
}
