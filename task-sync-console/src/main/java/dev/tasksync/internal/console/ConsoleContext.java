package dev.tasksync.internal.console;

import dev.tasksync.TaskSync;
import dev.tasksync.console.ConsoleOptions;
import io.javalin.http.Context;

/**
 * What the console's route classes share, made once by ConsoleServer: the API they read and change, the console
 * users, the options it was started with and its templates.
 */
record ConsoleContext(TaskSync ts, UserStore users, ConsoleOptions options, Views views) {
    /** Answers {@code ctx} with the HTML page of {@code template} for {@code model}. */
    void page(Context ctx, String template, Object model) {
        ctx.html(views.render(template, model));
    }

    /** Writes the audit row of a change that the viewer of {@code ctx} made. */
    void audit(Context ctx, String action, String target) {
        users.audit(Requests.viewer(ctx).user(), action, target, Requests.remote(ctx));
    }
}
