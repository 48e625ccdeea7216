package dev.tasksync;

import java.time.OffsetDateTime;

/**
 * One attempt to execute a step, from the {@code step_runs} history table.
 *
 * @param outcome the stored value of an {@link AttemptOutcome}: {@code completed}, {@code failed},
 *                {@code timed_out}, {@code cancelled}, {@code abandoned} (its worker lost the lease),
 *                {@code released} (its worker shut down), or null while it runs
 */
public record StepRun(long id, int stepId, int attempt, String workerId, OffsetDateTime startedAt,
                      OffsetDateTime finishedAt, String outcome, String error, String logTail) {

    /** The outcome as an enum, or null while the attempt runs. */
    public AttemptOutcome attemptOutcome() {
        return outcome == null ? null : AttemptOutcome.fromDb(outcome);
    }

    public boolean is(AttemptOutcome o) {
        return o.dbValue().equals(outcome);
    }
}
