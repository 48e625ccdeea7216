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

    /**
     * A step this run needs is held by another run or worker ({@code owner}, as recorded with its attempts),
     * which is alive as far as the database knows: this run waits until that one records the step, or
     * until its lease expires at {@code until} and the step is taken over. Called once per step and attempt.
     * (A step whose owner's process is gone is taken over at once, without this.)
     */
    default void waitingForLease(int stepId, String title, String owner, java.time.OffsetDateTime until) {
    }
}
