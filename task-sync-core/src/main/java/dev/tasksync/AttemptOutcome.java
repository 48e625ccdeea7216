package dev.tasksync;

import java.util.Locale;

/**
 * How one attempt to execute a step ended, as stored in {@code step_runs.outcome} and given by
 * {@link StepRun#outcome()} (a string, for compatibility: compare with {@link StepRun#is(AttemptOutcome)}
 * or {@link #fromDb}).
 */
public enum AttemptOutcome {
    COMPLETED, FAILED, TIMED_OUT, CANCELLED,
    /** Its worker lost the lease (expired, or its database session ended) before recording an outcome. */
    ABANDONED,
    /** Its worker gave the step back unexecuted or unfinished (it shut down). */
    RELEASED;

    private static final AttemptOutcome[] ALL = values();
    private final String dbValue = name().toLowerCase(Locale.ROOT);

    /** Printed as stored, in lower case, like {@link StepStatus}; {@link #name()} stays the constant's name. */
    @Override
    public String toString() {
        return dbValue();
    }

    /** The value stored in the {@code outcome} column. */
    public String dbValue() {
        return dbValue;
    }

    /** True when the step's execution ran to an end its worker recorded (not abandoned or released). */
    public boolean isExecuted() {
        return this != ABANDONED && this != RELEASED;
    }

    public static AttemptOutcome fromDb(String value) {
        return StoredNames.fromDb(ALL, AttemptOutcome::dbValue, value, "attempt outcome");
    }
}
