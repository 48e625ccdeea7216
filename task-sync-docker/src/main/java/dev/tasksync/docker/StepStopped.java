package dev.tasksync.docker;

/** Why a Docker step stopped waiting early: it was stopped (cancelled, its timeout_seconds passed), or a per-command limit passed. */
final class StepStopped extends Exception {
    private final boolean timedOut;

    StepStopped(boolean timedOut, String message) {
        super(message, null, false, false);
        this.timedOut = timedOut;
    }

    /** True when a limit of the step's own settings ({@code command_timeout_seconds}, ...) passed; false when the step was stopped. */
    boolean timedOut() {
        return timedOut;
    }

    /** The results key that says so: {@code timed_out} or {@code cancelled}. */
    String resultKey() {
        return timedOut ? "timed_out" : "cancelled";
    }
}
