package dev.tasksync.internal.console;

import dev.tasksync.RunOptions;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static dev.tasksync.internal.console.Requests.answer;
import static dev.tasksync.internal.console.Requests.id;

/**
 * The buttons of the task and step pages and their API twins: run, force, submit, cancel a task; reset, cancel a
 * step. Operators and admins only (the guard refuses viewers); each writes an audit row.
 */
final class ActionRoutes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ActionRoutes.class);

    private final ConsoleContext console;
    /** A run lasts longer than its request: it goes on here, the page follows it live. */
    private final ExecutorService runs = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "console-run");
        t.setDaemon(true);
        return t;
    });

    ActionRoutes(ConsoleContext console) {
        this.console = console;
    }

    void addTo(RoutesConfig routes) {
        for (String action : List.of("run", "force", "submit", "cancel")) {
            routes.post("/tasks/{id}/" + action, ctx -> taskAction(ctx, action));
            routes.post("/api/tasks/{id}/" + action, ctx -> taskAction(ctx, action));
        }
        for (String action : List.of("reset", "cancel")) {
            routes.post("/steps/{id}/" + action, ctx -> stepAction(ctx, action));
            routes.post("/api/steps/{id}/" + action, ctx -> stepAction(ctx, action));
        }
    }

    @Override
    public void close() {
        runs.shutdownNow();
    }

    private void taskAction(Context ctx, String action) {
        Task task = console.ts().task(id(ctx));
        int id = task.id();
        Map<String, Object> result = switch (action) {
            case "run", "force" -> {
                boolean force = action.equals("force");
                runs.submit(() -> {
                    try {
                        console.ts().run(id, RunOptions.defaults().withForce(force));
                    } catch (RuntimeException e) {
                        LOG.warn("console: run of task {} failed: {}", id, e.getMessage());
                    }
                });
                yield Map.of("started", true);
            }
            case "submit" -> Map.of("runnable", console.ts().submit(id).toRun().size());
            case "cancel" -> Map.of("cancelled", console.ts().cancelTask(id));
            default -> throw new Requests.BadRequest("unknown action " + action);
        };
        console.audit(ctx, action + " task", "task " + id + " '" + task.name() + "'");
        answer(ctx, "/tasks/" + id, action, result);
    }

    private void stepAction(Context ctx, String action) {
        Step step = console.ts().step(id(ctx));
        Map<String, Object> result = switch (action) {
            case "reset" -> {
                console.ts().resetStep(step.id());
                yield Map.of("status", StepStatus.NEW.dbValue());
            }
            case "cancel" -> Map.of("cancelled", console.ts().cancelStep(step.id()));
            default -> throw new Requests.BadRequest("unknown action " + action);
        };
        console.audit(ctx, action + " step", "step " + step.id() + " '" + step.title() + "' of task " + step.taskId());
        answer(ctx, "/steps/" + step.id(), action, result);
    }
}
