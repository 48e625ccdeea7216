package dev.tasksync;

import java.time.OffsetDateTime;

/** Hears about a run as it happens, e.g. to draw progress. Called from worker threads. */
public interface RunListener {
    RunListener NONE = new RunListener() { };

    /** The run is about to start; {@code total} steps belong to the task. */
    default void runStarted(Task task, int total) {
    }

    default void stepStarted(int stepId, String title) {
    }

    /**
     * A step ended: executed by this run ({@link StepResult#executed()}), or by another run or worker while this
     * run waited for it ({@link StepResult#executedElsewhere()}, with who in {@link StepResult#executedBy()}).
     * A failed step that will be tried again ends with status {@code new}.
     */
    default void stepFinished(StepResult result) {
    }

    /**
     * The run leaves this step as it is: it completed before, and neither its inputs nor its upstream steps
     * changed since ({@code reason} is the plan's, "up to date"). Called once per such step, after
     * {@link #runStarted} and before the first step starts; by a worker never.
     */
    default void stepUpToDate(int stepId, String title, String reason) {
    }

    default void stepLog(int stepId, String line) {
    }

    /**
     * A step this run needs is held by another run or worker ({@code owner}, as recorded with its attempts),
     * which is alive as far as the database knows: this run waits until that one records the step, or
     * until its lease expires at {@code until} and the step is taken over. Called once per step and attempt.
     * (A step whose owner's process is gone is taken over at once, without this.)
     */
    default void waitingForLease(int stepId, String title, String owner, OffsetDateTime until) {
    }
}
