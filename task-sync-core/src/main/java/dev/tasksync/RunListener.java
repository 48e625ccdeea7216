package dev.tasksync;

/** Hears about a run as it happens, e.g. to draw progress. Called from worker threads. */
public interface RunListener {
    RunListener NONE = new RunListener() { };

    /** The run is about to start; {@code total} steps belong to the task. */
    default void runStarted(Task task, int total) {
    }

    default void stepStarted(int stepId, String title) {
    }

    default void stepFinished(StepResult result) {
    }

    default void stepLog(int stepId, String line) {
    }
}
