package dev.tasksync.internal.console;

import dev.tasksync.console.Role;

/** Who looks at a page: their name and role, the CSRF token their forms carry, and whether login is on. */
public record Viewer(String user, Role role, String csrf, boolean loginRequired) {
    public boolean mayOperate() {
        return role.mayOperate();
    }
}
