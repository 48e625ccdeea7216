package dev.tasksync;

import java.time.OffsetDateTime;

/** A stored task: one row of the {@code tasks} table. */
public record Task(int id, String name, String status, String localPath,
                   OffsetDateTime createdAt, OffsetDateTime updatedAt) {
}
