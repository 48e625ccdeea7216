package dev.tasksync.internal.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.GradingMatrix;
import dev.tasksync.JsonShapes;
import dev.tasksync.NotFoundException;
import dev.tasksync.Plan;
import dev.tasksync.RunOptions;
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
import dev.tasksync.console.ConsoleOptions;
import dev.tasksync.console.Role;
import dev.tasksync.console.RunningConsole;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/** The console's HTTP server: Javalin routes for pages, the JSON API, login, live events. */
public final class ConsoleServer implements RunningConsole {
    static final String SESSION_COOKIE = "tasksync_session";
    static final int PAGE_SIZE = 50;
    /** Scripts and styles only from this server; no inline script, no framing, forms post only here. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);

    private final TaskSync ts;
    private final UserStore users;
    private final ConsoleOptions options;
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);
    private final LoginLimiter limiter = new LoginLimiter(Clock.systemUTC());
    /** Without users there is no session: this one token protects the forms of the loopback-only console. */
    private final String serverCsrf = UserStore.randomToken();
    private final ExecutorService runs = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "console-run");
        t.setDaemon(true);
        return t;
    });
    private final LiveUpdates live;
    private final Javalin app;
    private volatile long usersCheckedAt;
    private volatile boolean usersExist;

    private ConsoleServer(TaskSync ts, UserStore users, ConsoleOptions options) {
        this.ts = ts;
        this.users = users;
        this.options = options;
        this.usersExist = users.any();
        this.usersCheckedAt = System.nanoTime();
        // read before anything starts, so a bad file is an error naming its flag and nothing is left running
        SslContextFactory.Server tls = options.tls() ? TlsFiles.sslContextFactory(options.tlsCert(), options.tlsKey()) : null;
        this.live = new LiveUpdates(ts);
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.jetty.host = options.bind();
            cfg.jetty.port = options.port();
            if (tls != null) {
                cfg.jetty.addConnector((server, http) -> httpsConnector(server, http, tls));
            }
            cfg.routes.before(this::guard);
            cfg.routes.get("/static/{file}", this::asset);
            cfg.routes.get("/api/openapi.yaml", ctx -> resource(ctx, "openapi.yaml", "application/yaml"));
            cfg.routes.get("/login", ctx -> ctx.html(render("login", new Pages.LoginPage(null, serverCsrf, ""))));
            cfg.routes.post("/login", this::login);
            cfg.routes.post("/logout", this::logout);
            cfg.routes.get("/", this::tasksPage);
            cfg.routes.get("/tasks/{id}", this::taskPage);
            cfg.routes.get("/steps/{id}", this::stepPage);
            cfg.routes.get("/steps/{id}/matrix", this::matrixPage);
            cfg.routes.sse("/tasks/{id}/events", client -> live.subscribe(id(client.ctx()), client));
            cfg.routes.get("/workers", ctx -> ctx.html(render("workers", new WorkerActivity.WorkersPage(viewer(ctx), WorkerActivity.of(ts)))));
            cfg.routes.get("/api/workers", ctx -> json(ctx, WorkerActivity.json(WorkerActivity.of(ts))));
            cfg.routes.get("/users", ctx -> ctx.html(render("users", new Pages.UsersPage(viewer(ctx), users.list(), roles()))));
            cfg.routes.get("/api/users", ctx -> json(ctx, ApiJson.users(users.list())));
            for (String prefix : List.of("", "/api")) {
                cfg.routes.post(prefix + "/users", this::addUser);
                cfg.routes.post(prefix + "/users/{name}/role", this::changeRole);
                cfg.routes.post(prefix + "/users/{name}/remove", this::removeUser);
            }
            cfg.routes.get("/api/session", this::apiSession);
            cfg.routes.get("/api/tasks", this::apiTasks);
            cfg.routes.get("/api/tasks/{id}", ctx -> json(ctx, ApiJson.taskWithSteps(ts.task(id(ctx)), ts.steps(id(ctx)))));
            cfg.routes.get("/api/tasks/{id}/plan", ctx -> json(ctx, JsonShapes.plan(ts.plan(id(ctx)), ts.steps(id(ctx)),
                    ts.dependencies(id(ctx)), ts.waitReasons(id(ctx)))));
            cfg.routes.get("/api/tasks/{id}/dependencies", ctx -> json(ctx, ApiJson.dependencies(ts.dependencies(id(ctx)))));
            cfg.routes.get("/api/steps/{id}", ctx -> json(ctx, ApiJson.step(ts.step(id(ctx)))));
            cfg.routes.get("/api/steps/{id}/matrix", ctx -> json(ctx, GradingMatrix.of(rubricStep(ctx))));
            cfg.routes.get("/api/tasks/{id}/report", ctx -> json(ctx, GradingMatrix.report(ts.task(id(ctx)), ts.steps(id(ctx)))));
            cfg.routes.get("/api/steps/{id}/history", ctx -> json(ctx, ApiJson.history(ts.history(id(ctx)))));
            cfg.routes.get("/api/steps/{id}/log", this::apiLog);
            for (String action : List.of("run", "force", "submit", "cancel")) {
                cfg.routes.post("/tasks/{id}/" + action, ctx -> taskAction(ctx, action));
                cfg.routes.post("/api/tasks/{id}/" + action, ctx -> taskAction(ctx, action));
            }
            for (String action : List.of("reset", "cancel")) {
                cfg.routes.post("/steps/{id}/" + action, ctx -> stepAction(ctx, action));
                cfg.routes.post("/api/steps/{id}/" + action, ctx -> stepAction(ctx, action));
            }
            cfg.routes.exception(NotFoundException.class, (e, ctx) -> fail(ctx, 404, e.getMessage()));
            cfg.routes.exception(BadRequest.class, (e, ctx) -> fail(ctx, 400, e.getMessage()));
            cfg.routes.exception(TaskSyncException.class, (e, ctx) -> fail(ctx, 400, e.getMessage()));
            cfg.routes.exception(IllegalArgumentException.class, (e, ctx) -> fail(ctx, 400, e.getMessage()));
        });
        app.start();
    }

    /** How many times a task's full live snapshot was rendered: once per read, not once per page that opens. */
    public long liveSnapshotRenderings() {
        return live.snapshotRenderings();
    }

    /** The tasks whose steps the live reader reads for some open page. */
    public Set<Integer> liveTasks() {
        return live.watchedTasks();
    }

    public static RunningConsole start(TaskSync ts, UserStore users, ConsoleOptions options) {
        return new ConsoleServer(ts, users, options);
    }

    /** The only connector when TLS is on: plain HTTP to this port gets no answer. */
    private ServerConnector httpsConnector(Server server, HttpConfiguration http, SslContextFactory.Server tls) {
        HttpConfiguration https = new HttpConfiguration(http);
        https.addCustomizer(new SecureRequestCustomizer());
        ServerConnector c = new ServerConnector(server, new SslConnectionFactory(tls, HttpVersion.HTTP_1_1.asString()),
                new HttpConnectionFactory(https));
        c.setHost(options.bind());
        c.setPort(options.port());
        return c;
    }

    @Override
    public int port() {
        return app.port();
    }

    @Override
    public String url() {
        String host = options.bind().contains(":") ? "[" + options.bind() + "]" : options.bind();
        return (options.tls() ? "https://" : "http://") + host + ":" + port() + "/";
    }

    @Override
    public boolean loginRequired() {
        if (System.nanoTime() - usersCheckedAt > 2_000_000_000L) { // a user added meanwhile turns login on
            usersExist = users.any();
            usersCheckedAt = System.nanoTime();
        }
        return usersExist;
    }

    @Override
    public void close() {
        live.close();
        app.stop();
        runs.shutdownNow();
    }

    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    // ---- security: headers, who is asking, CSRF, roles

    private void guard(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "same-origin");
        String path = ctx.path();
        boolean post = "POST".equals(ctx.method().name());
        if (post && !sameOrigin(ctx)) {
            halt(ctx, 403, "cross-origin request refused");
            return;
        }
        if (path.startsWith("/static/") || path.equals("/api/openapi.yaml")) {
            return;
        }
        if (path.equals("/login")) {
            if (post && !matches(serverCsrf, ctx.formParam("_csrf"))) {
                halt(ctx, 403, "CSRF token missing or wrong: reload the login page");
            }
            return;
        }
        ctx.header("Cache-Control", "no-store");
        Viewer viewer;
        if (!loginRequired()) {
            viewer = new Viewer("local", Role.ADMIN, serverCsrf, false);
        } else {
            Optional<UserStore.Session> s = users.session(ctx.cookie(SESSION_COOKIE));
            if (s.isEmpty()) {
                if (isApi(ctx) || post) {
                    halt(ctx, 401, "log in first: POST /login with user and password");
                } else {
                    ctx.redirect("/login?next=" + Http.encode(path));
                    ctx.skipRemainingHandlers();
                }
                return;
            }
            viewer = new Viewer(s.get().userName(), s.get().role(), s.get().csrfToken(), true);
        }
        ctx.attribute("viewer", viewer);
        if (post) {
            String token = Optional.ofNullable(ctx.header("X-CSRF-Token")).orElseGet(() -> ctx.formParam("_csrf"));
            if (!matches(viewer.csrf(), token)) {
                halt(ctx, 403, "CSRF token missing or wrong: send the form of a page of this console, or the"
                        + " X-CSRF-Token header that GET /api/session gives");
                return;
            } else if (!path.equals("/logout") && !viewer.mayOperate()) {
                halt(ctx, 403, "user '" + viewer.user() + "' is a viewer: viewers cannot change anything");
                return;
            }
        }
        if ((path.equals("/users") || path.startsWith("/users/") || path.startsWith("/api/users")) && !viewer.role().mayManageUsers()) {
            halt(ctx, 403, "user '" + viewer.user() + "' is a " + viewer.role().dbValue() + ": only admins manage users");
        }
    }

    /** A browser names the page a POST came from; one from another site is refused (SameSite cookies aside). */
    private static boolean sameOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) {
            return true; // not a browser, or one that names no origin: the CSRF token still decides
        }
        String host = ctx.header("Host");
        return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }

    private static boolean matches(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isApi(Context ctx) {
        return ctx.path().startsWith("/api/");
    }

    private void halt(Context ctx, int status, String message) {
        fail(ctx, status, message);
        ctx.skipRemainingHandlers();
    }

    private void fail(Context ctx, int status, String message) {
        ctx.status(status);
        if (isApi(ctx) || ctx.path().endsWith("/events")) {
            ctx.contentType("application/json").result(ApiJson.write(ApiJson.error(message)));
        } else {
            ctx.contentType("text/plain; charset=utf-8").result(status + ": " + message);
        }
    }

    private static Viewer viewer(Context ctx) {
        return ctx.attribute("viewer");
    }

    private String remote(Context ctx) {
        return ctx.ip();
    }

    // ---- login

    private void login(Context ctx) {
        String user = Optional.ofNullable(ctx.formParam("user")).orElse("").trim();
        String password = Optional.ofNullable(ctx.formParam("password")).orElse("");
        String remote = remote(ctx);
        if (limiter.blocked(remote, user)) {
            users.audit(user, "login refused (rate limit)", "-", remote);
            ctx.status(429).html(render("login", new Pages.LoginPage(
                    "Too many failed logins: try again in a few minutes.", serverCsrf, user)));
            return;
        }
        Optional<UserStore.Session> s = user.isEmpty() ? Optional.empty() : users.login(user, password);
        if (s.isEmpty()) {
            limiter.failed(remote, user);
            users.audit(user, "login failed", "-", remote);
            ctx.status(401).html(render("login", new Pages.LoginPage("Wrong user name or password.", serverCsrf, user)));
            return;
        }
        users.audit(user, "login", "-", remote);
        boolean secure = options.secureCookies() || options.tls() || "https".equals(ctx.scheme());
        ctx.header("Set-Cookie", SESSION_COOKIE + "=" + s.get().token() + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
                + UserStore.SESSION_LIFETIME.toSeconds() + (secure ? "; Secure" : ""));
        String next = ctx.queryParam("next");
        ctx.redirect(next != null && next.startsWith("/") && !next.startsWith("//") ? next : "/", HttpStatus.SEE_OTHER);
    }

    private void logout(Context ctx) {
        users.logout(ctx.cookie(SESSION_COOKIE));
        ctx.header("Set-Cookie", SESSION_COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        ctx.redirect("/login", HttpStatus.SEE_OTHER);
    }

    // ---- pages

    private TaskQuery query(Context ctx, int limit) {
        String status = ctx.queryParam("status");
        String before = ctx.queryParam("before");
        TaskQuery q = TaskQuery.first(limit).withSearch(ctx.queryParam("q"));
        if (status != null && !status.isBlank()) {
            try {
                q = q.withStatus(TaskStatus.fromDb(status.trim()));
            } catch (TaskSyncException e) {
                throw new BadRequest("status: " + e.getMessage());
            }
        }
        if (before != null && !before.isBlank()) {
            q = q.before(number("before", before));
        }
        return q;
    }

    private void tasksPage(Context ctx) {
        List<TaskSummary> page = ts.taskSummaries(query(ctx, PAGE_SIZE));
        List<Pages.TaskRow> rows = page.stream().map(s -> new Pages.TaskRow(s.task().id(), s.task().name(), s.task().status(),
                counts(s), Http.time(s.lastRunAt()), Http.duration(s.duration()))).toList();
        Integer next = page.size() == PAGE_SIZE ? page.get(page.size() - 1).task().id() : null;
        List<String> statuses = Arrays.stream(TaskStatus.values()).map(TaskStatus::dbValue).toList();
        ctx.html(render("tasks", new Pages.TasksPage(viewer(ctx), rows, Optional.ofNullable(ctx.queryParam("q")).orElse(""),
                Optional.ofNullable(ctx.queryParam("status")).orElse(""), next, statuses)));
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
        Task task = ts.task(id(ctx));
        Map<Integer, StepProgress> progress = ts.stepProgress(task.id());
        boolean big = progress.size() > DagView.FULL_LIMIT;
        DagView dag = big && !"full".equals(ctx.queryParam("dag"))
                ? DagView.collapsed(progress.values(), ts.storedDependencies(task.id()))
                : DagView.of(ts.steps(task.id()), ts.dependencies(task.id()));
        Plan plan = null;
        String planError = null;
        if (!big || "show".equals(ctx.queryParam("plan"))) {
            try {
                plan = ts.plan(task.id());
            } catch (TaskSyncException e) {
                planError = e.getMessage();
            }
        }
        StepTable table = StepTable.of(progress.values(), stepStatus(ctx.queryParam("status")), ctx.queryParam("q"),
                offset(ctx.queryParam("from")), kept(ctx), s -> new Pages.StepRow(s.id(), s.title(), s.type(),
                        s.status().dbValue(), s.attempt(), Http.time(s.finishedAt()), Http.duration(s.duration())));
        ctx.html(render("task", new Pages.TaskPage(viewer(ctx), task, table, plan, planError, dag)));
    }

    private static StepStatus stepStatus(String status) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return StepStatus.fromDb(status.trim());
        } catch (TaskSyncException e) {
            throw new BadRequest("status: " + e.getMessage());
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
        Step step = ts.step(id(ctx));
        List<StepRun> history = ts.history(step.id());
        ctx.html(render("step", new Pages.StepPage(viewer(ctx), ts.task(step.taskId()), step, ApiJson.pretty(step.settings()),
                ApiJson.pretty(step.results()), history, StepLogs.forPage(ts, step.id(), history))));
    }

    private void matrixPage(Context ctx) {
        Step step = rubricStep(ctx);
        ctx.html(render("matrix", MatrixPage.of(viewer(ctx), ts.task(step.taskId()), step)));
    }

    /** The step of the path, which must be a docker_rubrics step (only they have a matrix). */
    private Step rubricStep(Context ctx) {
        Step step = ts.step(id(ctx));
        if (!GradingMatrix.RUBRICS.equals(step.type())) {
            throw new BadRequest("step " + step.id() + " is a " + step.type() + " step: only docker_rubrics steps have a grading matrix");
        }
        return step;
    }

    private String render(String template, Object model) {
        StringOutput out = new StringOutput();
        templates.render(template + ".jte", model, out);
        return out.toString();
    }

    private void asset(Context ctx) {
        String file = ctx.pathParam("file");
        String type = file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : null;
        if (type == null || !file.matches("[a-z0-9-]+\\.(js|css)")) {
            throw new NotFoundException("file", file);
        }
        resource(ctx, "static/" + file, type + "; charset=utf-8");
    }

    private static void resource(Context ctx, String name, String type) {
        try (InputStream in = ConsoleServer.class.getResourceAsStream("/dev/tasksync/console/" + name)) {
            if (in == null) {
                throw new NotFoundException("file", name);
            }
            ctx.contentType(type).result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- API

    private void apiSession(Context ctx) {
        Viewer v = viewer(ctx);
        json(ctx, ApiJson.MAPPER.createObjectNode().put("user", v.user()).put("role", v.role().dbValue())
                .put("csrf_token", v.csrf()).put("login_required", v.loginRequired()));
    }

    private void apiTasks(Context ctx) {
        String limit = ctx.queryParam("limit");
        int n = limit == null ? 100 : number("limit", limit);
        if (n > TaskQuery.MAX_LIMIT) {
            throw new BadRequest("limit: at most " + TaskQuery.MAX_LIMIT + ", was " + n);
        }
        List<TaskSummary> page = ts.taskSummaries(query(ctx, n));
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

    private void apiLog(Context ctx) {
        int stepId = id(ctx);
        String attempt = ctx.queryParam("attempt");
        String from = ctx.queryParam("from");
        int n = attempt == null ? ts.step(stepId).attempt() : number("attempt", attempt);
        int skip = from == null || from.equals("0") ? 0 : number("from", from);
        json(ctx, StepLogs.chunk(ts, stepId, n, skip));
    }

    // ---- users (admins only, see guard)

    private static List<String> roles() {
        return Arrays.stream(Role.values()).map(Role::dbValue).toList();
    }

    private void addUser(Context ctx) {
        String name = Optional.ofNullable(ctx.formParam("name")).orElse("").trim();
        Role role = Role.parse(ctx.formParam("role"));
        String password = Optional.ofNullable(ctx.formParam("password")).orElse("");
        users.put(name, role, password.toCharArray());
        users.audit(viewer(ctx).user(), "add user", "user '" + name + "' (" + role.dbValue() + ")", remote(ctx));
        answer(ctx, "/users", "add user", Map.of("name", name, "role", role.dbValue()));
    }

    private void changeRole(Context ctx) {
        String name = ctx.pathParam("name");
        Role role = Role.parse(ctx.formParam("role"));
        notSelf(ctx, name, "change the role of");
        if (!users.setRole(name, role)) {
            throw new NotFoundException("console user", name);
        }
        users.audit(viewer(ctx).user(), "change role", "user '" + name + "' to " + role.dbValue(), remote(ctx));
        answer(ctx, "/users", "change role", Map.of("name", name, "role", role.dbValue()));
    }

    private void removeUser(Context ctx) {
        String name = ctx.pathParam("name");
        notSelf(ctx, name, "remove");
        if (!users.remove(name)) {
            throw new NotFoundException("console user", name);
        }
        users.audit(viewer(ctx).user(), "remove user", "user '" + name + "'", remote(ctx));
        answer(ctx, "/users", "remove user", Map.of("name", name));
    }

    /** An admin who removed or demoted themselves could lock everyone out: another admin does it. */
    private static void notSelf(Context ctx, String name, String what) {
        Viewer v = viewer(ctx);
        if (v.loginRequired() && v.user().equals(name)) {
            throw new BadRequest("name: you cannot " + what + " yourself ('" + name + "'); another admin can");
        }
    }

    private void taskAction(Context ctx, String action) {
        Task task = ts.task(id(ctx));
        int id = task.id();
        Viewer v = viewer(ctx);
        Map<String, Object> result = switch (action) {
            case "run", "force" -> {
                boolean force = action.equals("force");
                runs.submit(() -> {
                    try {
                        ts.run(id, RunOptions.defaults().withForce(force));
                    } catch (RuntimeException e) {
                        LOG.warn("console: run of task {} failed: {}", id, e.getMessage());
                    }
                });
                yield Map.of("started", true);
            }
            case "submit" -> Map.of("runnable", ts.submit(id).toRun().size());
            case "cancel" -> Map.of("cancelled", ts.cancelTask(id));
            default -> throw new BadRequest("unknown action " + action);
        };
        users.audit(v.user(), action + " task", "task " + id + " '" + task.name() + "'", remote(ctx));
        answer(ctx, "/tasks/" + id, action, result);
    }

    private void stepAction(Context ctx, String action) {
        Step step = ts.step(id(ctx));
        Viewer v = viewer(ctx);
        Map<String, Object> result = switch (action) {
            case "reset" -> {
                ts.resetStep(step.id());
                yield Map.of("status", StepStatus.NEW.dbValue());
            }
            case "cancel" -> Map.of("cancelled", ts.cancelStep(step.id()));
            default -> throw new BadRequest("unknown action " + action);
        };
        users.audit(v.user(), action + " step", "step " + step.id() + " '" + step.title() + "' of task " + step.taskId(), remote(ctx));
        answer(ctx, "/steps/" + step.id(), action, result);
    }

    private static void answer(Context ctx, String page, String action, Map<String, Object> result) {
        if (isApi(ctx)) {
            var n = ApiJson.MAPPER.createObjectNode().put("action", action);
            result.forEach((k, val) -> n.set(k, ApiJson.MAPPER.valueToTree(val)));
            ctx.status(202);
            json(ctx, n);
        } else {
            ctx.redirect(page, HttpStatus.SEE_OTHER);
        }
    }

    private static void json(Context ctx, JsonNode body) {
        ctx.contentType("application/json").result(ApiJson.write(body));
    }

    private static int id(Context ctx) {
        return number("id", ctx.pathParam("id"));
    }

    private static int number(String field, String text) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new BadRequest(field + ": '" + text + "' is not a whole number from 1 to " + Integer.MAX_VALUE);
    }

}
