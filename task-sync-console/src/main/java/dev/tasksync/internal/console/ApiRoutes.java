package dev.tasksync.internal.console;

import dev.tasksync.GradingMatrix;
import dev.tasksync.JsonShapes;
import dev.tasksync.TaskQuery;
import dev.tasksync.TaskSummary;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.List;

import static dev.tasksync.internal.console.Requests.id;
import static dev.tasksync.internal.console.Requests.json;
import static dev.tasksync.internal.console.Requests.number;
import static dev.tasksync.internal.console.Requests.viewer;

/** The JSON API's reads under {@code /api/…} (documented in openapi.yaml); its changes are in ActionRoutes and UserRoutes. */
final class ApiRoutes {
    private final ConsoleContext console;

    ApiRoutes(ConsoleContext console) {
        this.console = console;
    }

    void addTo(RoutesConfig routes) {
        routes.get("/api/workers", ctx -> json(ctx, WorkerActivity.json(WorkerActivity.of(console.ts()))));
        routes.get("/api/users", ctx -> json(ctx, ApiJson.users(console.users().list())));
        routes.get("/api/session", ApiRoutes::session);
        routes.get("/api/tasks", this::tasks);
        routes.get("/api/tasks/{id}", ctx -> json(ctx, ApiJson.taskWithSteps(console.ts().task(id(ctx)), console.ts().steps(id(ctx)))));
        routes.get("/api/tasks/{id}/plan", ctx -> json(ctx, JsonShapes.plan(console.ts().plan(id(ctx)), console.ts().steps(id(ctx)),
                console.ts().dependencies(id(ctx)), console.ts().waitReasons(id(ctx)))));
        routes.get("/api/tasks/{id}/dependencies", ctx -> json(ctx, ApiJson.dependencies(console.ts().dependencies(id(ctx)))));
        routes.get("/api/steps/{id}", ctx -> json(ctx, ApiJson.step(console.ts().step(id(ctx)))));
        routes.get("/api/steps/{id}/matrix", ctx -> json(ctx, GradingMatrix.of(PageRoutes.rubricStep(console.ts(), ctx))));
        routes.get("/api/tasks/{id}/report", ctx -> json(ctx, GradingMatrix.report(console.ts().task(id(ctx)), console.ts().steps(id(ctx)))));
        routes.get("/api/steps/{id}/history", ctx -> json(ctx, ApiJson.history(console.ts().history(id(ctx)))));
        routes.get("/api/steps/{id}/log", this::log);
    }

    private static void session(Context ctx) {
        Viewer v = viewer(ctx);
        json(ctx, ApiJson.MAPPER.createObjectNode().put("user", v.user()).put("role", v.role().dbValue())
                .put("csrf_token", v.csrf()).put("login_required", v.loginRequired()));
    }

    private void tasks(Context ctx) {
        String limit = ctx.queryParam("limit");
        int n = limit == null ? 100 : number("limit", limit);
        if (n > TaskQuery.MAX_LIMIT) {
            throw new Requests.BadRequest("limit: at most " + TaskQuery.MAX_LIMIT + ", was " + n);
        }
        List<TaskSummary> page = console.ts().taskSummaries(PageRoutes.query(ctx, n));
        var body = ApiJson.MAPPER.createObjectNode();
        var a = body.putArray("tasks");
        page.forEach(s -> a.add(ApiJson.summary(s)));
        if (page.size() == n) {
            body.put("next_before", page.get(page.size() - 1).task().id());
        } else {
            body.putNull("next_before");
        }
        json(ctx, body);
    }

    private void log(Context ctx) {
        int stepId = id(ctx);
        String attempt = ctx.queryParam("attempt");
        String from = ctx.queryParam("from");
        int n = attempt == null ? console.ts().step(stepId).attempt() : number("attempt", attempt);
        int skip = from == null || from.equals("0") ? 0 : number("from", from);
        json(ctx, StepLogs.chunk(console.ts(), stepId, n, skip));
    }
}
