package dev.tasksync.internal.console;

import dev.tasksync.NotFoundException;
import dev.tasksync.console.Role;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.tasksync.internal.console.Requests.answer;
import static dev.tasksync.internal.console.Requests.viewer;

/** Adding, re-roling and removing console users, from the users page and the API (admins only, see SessionRoutes' guard). */
final class UserRoutes {
    private final ConsoleContext console;

    UserRoutes(ConsoleContext console) {
        this.console = console;
    }

    void addTo(RoutesConfig routes) {
        for (String prefix : List.of("", "/api")) {
            routes.post(prefix + "/users", this::addUser);
            routes.post(prefix + "/users/{name}/role", this::changeRole);
            routes.post(prefix + "/users/{name}/remove", this::removeUser);
        }
    }

    private void addUser(Context ctx) {
        String name = Optional.ofNullable(ctx.formParam("name")).orElse("").trim();
        Role role = Role.parse(ctx.formParam("role"));
        String password = Optional.ofNullable(ctx.formParam("password")).orElse("");
        console.users().put(name, role, password.toCharArray());
        console.audit(ctx, "add user", "user '" + name + "' (" + role.dbValue() + ")");
        answer(ctx, "/users", "add user", Map.of("name", name, "role", role.dbValue()));
    }

    private void changeRole(Context ctx) {
        String name = ctx.pathParam("name");
        Role role = Role.parse(ctx.formParam("role"));
        notSelf(ctx, name, "change the role of");
        if (!console.users().setRole(name, role)) {
            throw new NotFoundException("console user", name);
        }
        console.audit(ctx, "change role", "user '" + name + "' to " + role.dbValue());
        answer(ctx, "/users", "change role", Map.of("name", name, "role", role.dbValue()));
    }

    private void removeUser(Context ctx) {
        String name = ctx.pathParam("name");
        notSelf(ctx, name, "remove");
        if (!console.users().remove(name)) {
            throw new NotFoundException("console user", name);
        }
        console.audit(ctx, "remove user", "user '" + name + "'");
        answer(ctx, "/users", "remove user", Map.of("name", name));
    }

    /** An admin who removed or demoted themselves could lock everyone out: another admin does it. */
    private static void notSelf(Context ctx, String name, String what) {
        Viewer v = viewer(ctx);
        if (v.loginRequired() && v.user().equals(name)) {
            throw new Requests.BadRequest("name: you cannot " + what + " yourself ('" + name + "'); another admin can");
        }
    }
}
