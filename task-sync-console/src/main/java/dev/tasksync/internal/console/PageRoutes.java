package dev.tasksync.internal.console;

import dev.tasksync.GradingMatrix;
import dev.tasksync.NotFoundException;
import dev.tasksync.Plan;
import dev.tasksync.Step;
import dev.tasksync.StepProgress;
import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskQuery;
import dev.tasksync.TaskStatus;
import dev.tasksync.TaskSummary;
import dev.tasksync.TaskSync;
import dev.tasksync.TaskSyncException;
import dev.tasksync.console.Role;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static dev.tasksync.internal.console.Requests.id;
import static dev.tasksync.internal.console.Requests.number;
import static dev.tasksync.internal.console.Requests.viewer;

/** The HTML pages (tasks, a task, a step, its matrix, workers, users) and the static files they load. */
final class PageRoutes {
    static final int PAGE_SIZE = 50;

    private final ConsoleContext console;

    PageRoutes(ConsoleContext console) {
        this.console = console;
    }

    void addTo(RoutesConfig routes) {
        routes.get("/static/{file}", PageRoutes::asset);
        routes.get("/api/openapi.yaml", ctx -> resource(ctx, "openapi.yaml", "application/yaml"));
        routes.get("/", this::tasksPage);
        routes.get("/tasks/{id}", this::taskPage);
        routes.get("/steps/{id}", this::stepPage);
        routes.get("/steps/{id}/matrix", this::matrixPage);
        routes.get("/workers", ctx -> console.page(ctx, "workers", new WorkerActivity.WorkersPage(viewer(ctx), WorkerActivity.of(console.ts()))));
        routes.get("/users", ctx -> console.page(ctx, "users", new Pages.UsersPage(viewer(ctx), console.users().list(), roles())));
    }

    /** The task list's filter, search and paging from the query string (the API's task list reads the same). */
    static TaskQuery query(Context ctx, int limit) {
        String status = ctx.queryParam("status");
        String before = ctx.queryParam("before");
        TaskQuery q = TaskQuery.first(limit).withSearch(ctx.queryParam("q"));
        if (status != null && !status.isBlank()) {
            try {
                q = q.withStatus(TaskStatus.fromDb(status.trim()));
            } catch (TaskSyncException e) {
                throw new Requests.BadRequest("status: " + e.getMessage());
            }
        }
        if (before != null && !before.isBlank()) {
            q = q.before(number("before", before));
        }
        return q;
    }

    /** The step of the path, which must be a docker_rubrics step (only they have a matrix). */
    static Step rubricStep(TaskSync ts, Context ctx) {
        Step step = ts.step(id(ctx));
        if (!GradingMatrix.RUBRICS.equals(step.type())) {
            throw new Requests.BadRequest("step " + step.id() + " is a " + step.type() + " step: only docker_rubrics steps have a grading matrix");
        }
        return step;
    }

    private static List<String> roles() {
        return Arrays.stream(Role.values()).map(Role::dbValue).toList();
    }

    private void tasksPage(Context ctx) {
        List<TaskSummary> page = console.ts().taskSummaries(query(ctx, PAGE_SIZE));
        List<Pages.TaskRow> rows = page.stream().map(s -> new Pages.TaskRow(s.task().id(), s.task().name(), s.task().status(),
                counts(s), Http.time(s.lastRunAt()), Http.duration(s.duration()))).toList();
        Integer next = page.size() == PAGE_SIZE ? page.get(page.size() - 1).task().id() : null;
        List<String> statuses = Arrays.stream(TaskStatus.values()).map(TaskStatus::dbValue).toList();
        console.page(ctx, "tasks", new Pages.TasksPage(viewer(ctx), rows, Optional.ofNullable(ctx.queryParam("q")).orElse(""),
                Optional.ofNullable(ctx.queryParam("status")).orElse(""), next, statuses));
    }

    private static String counts(TaskSummary s) {
        if (s.steps() == 0) {
            return "no steps";
        }
        return Arrays.stream(StepStatus.values()).filter(st -> s.count(st) > 0)
                .map(st -> s.count(st) + " " + st.dbValue()).collect(Collectors.joining(", "));
    }

    /**
     * A task of more than {@link DagView#FULL_LIMIT} steps is shown from two light reads (the step table's columns
     * and the stored dependency rows) as a collapsed picture, and its plan on request: reading, parsing and planning
     * every step's settings is what made the page of a 10,000-step task take seconds.
     */
    private void taskPage(Context ctx) {
        Task task = console.ts().task(id(ctx));
        Map<Integer, StepProgress> progress = console.ts().stepProgress(task.id());
        boolean big = progress.size() > DagView.FULL_LIMIT;
        DagView dag = big && !"full".equals(ctx.queryParam("dag"))
                ? DagView.collapsed(progress.values(), console.ts().storedDependencies(task.id()))
                : DagView.of(console.ts().steps(task.id()), console.ts().dependencies(task.id()));
        Plan plan = null;
        String planError = null;
        if (!big || "show".equals(ctx.queryParam("plan"))) {
            try {
                plan = console.ts().plan(task.id());
            } catch (TaskSyncException e) {
                planError = e.getMessage();
            }
        }
        StepTable table = StepTable.of(progress.values(), stepStatus(ctx.queryParam("status")), ctx.queryParam("q"),
                offset(ctx.queryParam("from")), kept(ctx), s -> new Pages.StepRow(s.id(), s.title(), s.type(),
                        s.status().dbValue(), s.attempt(), Http.time(s.finishedAt()), Http.duration(s.duration())));
        console.page(ctx, "task", new Pages.TaskPage(viewer(ctx), task, table, plan, planError, dag));
    }

    private static StepStatus stepStatus(String status) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return StepStatus.fromDb(status.trim());
        } catch (TaskSyncException e) {
            throw new Requests.BadRequest("status: " + e.getMessage());
        }
    }

    private static int offset(String from) {
        return from == null || from.isBlank() || from.trim().equals("0") ? 0 : number("from", from);
    }

    /** The task page's other views (the full DAG, the plan), which the step table's links keep. */
    private static Map<String, String> kept(Context ctx) {
        Map<String, String> kept = new TreeMap<>();
        for (String p : List.of("dag", "plan")) {
            String v = ctx.queryParam(p);
            if (v != null && !v.isBlank()) {
                kept.put(p, v);
            }
        }
        return kept;
    }

    private void stepPage(Context ctx) {
        Step step = console.ts().step(id(ctx));
        List<StepRun> history = console.ts().history(step.id());
        console.page(ctx, "step", new Pages.StepPage(viewer(ctx), console.ts().task(step.taskId()), step, ApiJson.pretty(step.settings()),
                ApiJson.pretty(step.results()), history, StepLogs.forPage(console.ts(), step.id(), history)));
    }

    private void matrixPage(Context ctx) {
        Step step = rubricStep(console.ts(), ctx);
        console.page(ctx, "matrix", MatrixPage.of(viewer(ctx), console.ts().task(step.taskId()), step));
    }

    private static void asset(Context ctx) {
        String file = ctx.pathParam("file");
        String type = file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : null;
        if (type == null || !file.matches("[a-z0-9-]+\\.(js|css)")) {
            throw new NotFoundException("file", file);
        }
        resource(ctx, "static/" + file, type + "; charset=utf-8");
    }

    private static void resource(Context ctx, String name, String type) {
        try (InputStream in = PageRoutes.class.getResourceAsStream("/dev/tasksync/console/" + name)) {
            if (in == null) {
                throw new NotFoundException("file", name);
            }
            ctx.contentType(type).result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
