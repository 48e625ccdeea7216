package dev.tasksync;

import java.util.Arrays;
import java.util.Locale;

/**
 * A step's lifecycle: {@code new} → {@code active} → {@code completed} | {@code failed}; {@code skipped}
 * below a failure; {@code cancelled} when a user cancelled it.
 */
public enum StepStatus {
    NEW, ACTIVE, COMPLETED, FAILED, SKIPPED, CANCELLED;

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
