package dev.tasksync.internal.engine;

import dev.tasksync.AttemptOutcome;

/** Why an execution was stopped before it ended by itself. */
enum Stop {
    TIMED_OUT, CANCELLED, LEASE_LOST, RELEASED;

    /** This process let go of the step (it shut down, or lost the lease): a failure then is not the step's. */
    boolean letGo() {
        return this == RELEASED || this == LEASE_LOST;
    }

    /** How an attempt so stopped ends, unless it succeeded first. */
    AttemptOutcome outcome() {
        return switch (this) {
            case TIMED_OUT -> AttemptOutcome.TIMED_OUT;
            case CANCELLED -> AttemptOutcome.CANCELLED;
            case LEASE_LOST -> AttemptOutcome.ABANDONED;
            case RELEASED -> AttemptOutcome.RELEASED;
        };
    }
}
