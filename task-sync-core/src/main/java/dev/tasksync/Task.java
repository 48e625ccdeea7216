package dev.tasksync;

import java.time.OffsetDateTime;

/**
 * A stored task: one row of the {@code tasks} table.
 *
 * @param status the stored value of a {@link TaskStatus} ({@link TaskStatus#dbValue()}); a string so
 *               that code written against earlier versions keeps compiling
 */
public record Task(int id, String name, String status, String localPath,
                   OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    public boolean is(TaskStatus s) {
        return s.dbValue().equals(status);
    }
}
