package dev.tasksync.internal.engine;

/** Why an execution was stopped before it ended by itself. */
enum Stop {
    TIMED_OUT, CANCELLED, LEASE_LOST, RELEASED;

    /** This process let go of the step (it shut down, or lost the lease): a failure then is not the step's. */
    boolean letGo() {
        return this == RELEASED || this == LEASE_LOST;
    }
}
