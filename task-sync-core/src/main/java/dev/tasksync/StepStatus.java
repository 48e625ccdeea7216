package dev.tasksync;

import java.util.Locale;

/**
 * A step's lifecycle: {@code new} → {@code active} → {@code completed} | {@code failed}; {@code skipped}
 * below a failure; {@code cancelled} when a user cancelled it. Printed ({@link #toString()}) as stored, in
 * lower case. The engine makes only the changes of its one transition table (a running step completes or
 * fails; a waiting one is skipped or cancelled; any step becomes new again when a submit or reset plans it).
 */
public enum StepStatus {
    NEW, ACTIVE, COMPLETED, FAILED, SKIPPED, CANCELLED;

    private static final StepStatus[] ALL = values();
    private final String dbValue = name().toLowerCase(Locale.ROOT);

    /**
     * The stored value, as the CLI prints it and the {@code status} column holds it ({@code completed});
     * {@link #name()} stays the constant's name ({@code COMPLETED}).
     */
    @Override
    public String toString() {
        return dbValue();
    }

    /** The value stored in the {@code status} column. */
    public String dbValue() {
        return dbValue;
    }

    public boolean isFinished() {
        return this != NEW && this != ACTIVE;
    }

    public static StepStatus fromDb(String value) {
        return StoredNames.fromDb(ALL, StepStatus::dbValue, value, "step status");
    }
}
