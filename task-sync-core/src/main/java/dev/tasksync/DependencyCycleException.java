package dev.tasksync;

import java.util.List;

/** The steps' {@code depends_on} references form a cycle; nothing was run or written. */
public class DependencyCycleException extends TaskSyncException {
    private final List<String> steps;

    public DependencyCycleException(List<String> steps) {
        super("dependency cycle between steps: " + String.join(" -> ", steps)
                + (steps.isEmpty() ? "" : " -> " + steps.get(0))
                + "; remove one of these depends_on entries");
        this.steps = List.copyOf(steps);
    }

    /** The steps on the cycle, in order. */
    public List<String> steps() {
        return steps;
    }
}
