package dev.tasksync.internal.types;

import dev.tasksync.TaskStatus;
import dev.tasksync.TaskSyncException;

import java.util.List;
import java.nio.file.InvalidPathException;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * Checks of the plain fields of tasks and steps, so bad input is refused with a message naming
 * the field instead of by PostgreSQL (a NUL byte, a name too long for the unique index).
 */
public final class Fields {
    /** Task names are unique through a btree index, whose rows hold at most ~2.7 KB. */
    public static final int MAX_NAME_LENGTH = 255;
    public static final int MAX_TITLE_LENGTH = 500;
    public static final int MAX_LOCAL_PATH_LENGTH = SettingsJson.MAX_PATH_LENGTH;
    /** The statuses the engine gives a task; a task may be created in any of them. */
    public static final List<String> TASK_STATUSES = Arrays.stream(TaskStatus.values()).map(TaskStatus::dbValue).toList();

    private Fields() {
    }

    public static void taskName(String name) {
        if (name == null || name.isBlank()) {
            throw new TaskSyncException("the task name must not be blank");
        }
        text("the task name", name, MAX_NAME_LENGTH);
        if (!name.equals(name.strip())) {
            throw new TaskSyncException("the task name '" + printable(name) + "' starts or ends with white space,"
                    + " which commands would not find it by");
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw new TaskSyncException("the task name '" + printable(name) + "' contains a control character");
        }
        if (name.strip().matches("\\d+")) {
            throw new TaskSyncException("the task name '" + name + "' is all digits, which commands would read as a task id;"
                    + " add a letter");
        }
    }

    public static void stepTitle(String title) {
        if (title == null || title.isBlank()) {
            throw new TaskSyncException("the step title must not be blank");
        }
        text("the step title", title, MAX_TITLE_LENGTH);
    }

    public static void taskStatus(String status) {
        if (status != null && !TASK_STATUSES.contains(status)) {
            throw new TaskSyncException("the task status '" + printable(status) + "' is not one of "
                    + String.join(", ", TASK_STATUSES));
        }
    }

    /**
     * Checks a task's local path and returns it as it is stored: absolute and normalised, a relative one
     * resolved against this process's working directory (so "." means where it was typed, not wherever a
     * later run or worker happens to start). Null and blank stay as they are (the runner's directory).
     */
    public static String localPath(String localPath) {
        if (localPath == null) {
            return null;
        }
        text("the local path", localPath, MAX_LOCAL_PATH_LENGTH);
        if (localPath.isBlank()) {
            return localPath;
        }
        String absolute;
        try {
            absolute = Paths.get(localPath).toAbsolutePath().normalize().toString();
        } catch (InvalidPathException e) {
            throw new TaskSyncException("the local path '" + printable(localPath) + "' is not a valid path: " + e.getReason());
        }
        text("the local path", absolute, MAX_LOCAL_PATH_LENGTH);
        return absolute;
    }

    private static void text(String what, String value, int max) {
        if (value.length() > max) {
            throw new TaskSyncException(what + " is " + value.length() + " characters long; at most " + max + " are allowed");
        }
        String problem = SettingsJson.textProblem(value);
        if (problem != null) {
            throw new TaskSyncException(what + " " + problem);
        }
    }

    private static String printable(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        StringBuilder sb = new StringBuilder();
        t.chars().forEach(c -> sb.append(c < 0x20 || Character.isSurrogate((char) c) ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return sb.toString();
    }
}
