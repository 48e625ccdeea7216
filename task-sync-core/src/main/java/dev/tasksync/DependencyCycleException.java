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

    /**
     * A cycle that goes through implicit dependencies ({@code via} says which: what a step uses that another makes).
     */
    public DependencyCycleException(List<String> steps, String via) {
        super("dependency cycle between steps: " + String.join(" -> ", steps)
                + (steps.isEmpty() ? "" : " -> " + steps.get(0))
                + "; " + via + "; remove a depends_on entry or change what one of these steps builds or uses");
        this.steps = List.copyOf(steps);
    }

    /** The steps on the cycle, in order. */
    public List<String> steps() {
        return steps;
    }
}
