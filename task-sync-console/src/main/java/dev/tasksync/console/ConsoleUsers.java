package dev.tasksync.console;

import dev.tasksync.TaskSync;
import dev.tasksync.internal.console.UserStore;

import java.util.List;

/** The console's users, stored in the task-sync database (passwords as bcrypt hashes). */
public final class ConsoleUsers {
    private final UserStore store;

    private ConsoleUsers(TaskSync taskSync) {
        this.store = new UserStore(taskSync);
    }

    public static ConsoleUsers of(TaskSync taskSync) {
        return new ConsoleUsers(taskSync);
    }

    /**
     * Adds a user, or sets the role and password of the one with that name.
     *
     * @throws IllegalArgumentException naming the field when the name or password is not acceptable
     */
    public ConsoleUser add(String name, Role role, char[] password) {
        return store.put(name, role, password);
    }

    public List<ConsoleUser> list() {
        return store.list();
    }

    /** Removes the user and ends their sessions; false when there was none of that name. */
    public boolean remove(String name) {
        return store.remove(name);
    }
}
