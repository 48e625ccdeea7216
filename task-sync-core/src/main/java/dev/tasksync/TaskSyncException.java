package dev.tasksync;

/** Root of every exception task-sync throws. Unchecked: callers decide where to handle it. */
public class TaskSyncException extends RuntimeException {
    public TaskSyncException(String message) {
        super(message);
    }

    public TaskSyncException(String message, Throwable cause) {
        super(message, cause);
    }
}
