package dev.tasksync.internal.metrics;

import dev.tasksync.AttemptOutcome;

/**
 * What the engine reports as it runs steps, beside the user's RunListener (which knows neither a step's type,
 * nor its claim, nor leases and retries). {@link #NONE} does nothing: without a registry the engine's hooks cost
 * a virtual call each.
 */
public interface EngineMetrics {
    EngineMetrics NONE = new EngineMetrics() { };

    /** A claimed step of {@code type} starts; it was claimed at {@code claimedAtNanos} (System.nanoTime()). */
    default void attemptStarted(String type, long claimedAtNanos) {
    }

    /**
     * An attempt of {@code type}, started at {@code startedAtNanos}, ended with {@code outcome} (as recorded; for an
     * attempt this process let go, {@code ABANDONED} when it lost the lease, {@code RELEASED} when it shut down).
     */
    default void attemptEnded(String type, AttemptOutcome outcome, long startedAtNanos) {
    }

    /** A claim took over a step whose previous owner's lease expired or whose owner is gone. */
    default void leaseTakenOver() {
    }

    /** A database statement is sent again: {@code reason} "conflict" (deadlock, serialization) or "unavailable". */
    default void databaseRetry(String reason) {
    }
}
