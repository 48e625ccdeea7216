package dev.tasksync;

import java.util.Arrays;
import java.util.Locale;

/**
 * A step's lifecycle: {@code new} → {@code active} → {@code completed} | {@code failed}; {@code skipped}
 * below a failure; {@code cancelled} when a user cancelled it. Printed ({@link #toString()}) as stored, in
 * lower case.
 */
public enum StepStatus {
    NEW, ACTIVE, COMPLETED, FAILED, SKIPPED, CANCELLED;

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
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isFinished() {
        return this != NEW && this != ACTIVE;
    }

    public static StepStatus fromDb(String value) {
        return Arrays.stream(values())
                .filter(s -> s.dbValue().equals(value))
                .findFirst()
                .orElseThrow(() -> new TaskSyncException("unknown step status '" + value + "'"));
    }
}
