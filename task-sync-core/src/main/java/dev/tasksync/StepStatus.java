package dev.tasksync;

import java.util.Locale;

/**
 * A step's lifecycle: {@code new} → {@code active} → {@code completed} | {@code failed}; {@code skipped}
 * below a failure; {@code cancelled} when a user cancelled it. The changes the engine makes are listed
 * in one table ({@code dev.tasksync.internal.engine.StatusTransitions}).
 */
public enum StepStatus {
    NEW, ACTIVE, COMPLETED, FAILED, SKIPPED, CANCELLED;

    private static final StepStatus[] ALL = values();
    private final String dbValue = name().toLowerCase(Locale.ROOT);

    /** The value stored in the {@code status} column. */
    public String dbValue() {
        return dbValue;
    }

    public boolean isFinished() {
        return this != NEW && this != ACTIVE;
    }

    public static StepStatus fromDb(String value) {
        for (StepStatus s : ALL) {
            if (s.dbValue.equals(value)) {
                return s;
            }
        }
        throw new TaskSyncException("unknown step status '" + value + "'");
    }
}
