package dev.tasksync.console;

import java.time.OffsetDateTime;

/** A user who may log in to the console. */
public record ConsoleUser(int id, String name, Role role, OffsetDateTime createdAt) {
}
