package dev.tasksync;

import java.util.Arrays;
import java.util.Locale;

/** A step's lifecycle: {@code new} → {@code active} → {@code completed} | {@code failed}; {@code skipped} below a failure. */
public enum StepStatus {
    NEW, ACTIVE, COMPLETED, FAILED, SKIPPED;

    /** The value stored in the {@code status} column. */
    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isFinished() {
        return this == COMPLETED || this == FAILED || this == SKIPPED;
    }

    public static StepStatus fromDb(String value) {
        return Arrays.stream(values())
                .filter(s -> s.dbValue().equals(value))
                .findFirst()
                .orElseThrow(() -> new TaskSyncException("unknown step status '" + value + "'"));
    }
}
