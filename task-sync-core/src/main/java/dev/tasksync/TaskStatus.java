package dev.tasksync;

import java.util.Locale;

/**
 * A task's status, as stored in {@code tasks.status} and given by {@link Task#status()} (a string, for
 * compatibility: compare with {@link Task#is(TaskStatus)} or {@link #fromDb}). The engine sets it from
 * its steps': {@code active} while a step runs or waits beside finished ones, {@code failed} when one
 * failed or was skipped, {@code cancelled} when one was cancelled, {@code completed} when all completed,
 * {@code new} otherwise.
 */
public enum TaskStatus {
    NEW, ACTIVE, COMPLETED, FAILED, CANCELLED;

    private static final TaskStatus[] ALL = values();
    private final String dbValue = name().toLowerCase(Locale.ROOT);

    /** Printed as stored, in lower case, like {@link StepStatus}; {@link #name()} stays the constant's name. */
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

    public static TaskStatus fromDb(String value) {
        return StoredNames.fromDb(ALL, TaskStatus::dbValue, value, "task status");
    }
}
