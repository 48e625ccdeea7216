package dev.tasksync.internal.console;

import dev.tasksync.console.Role;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Optional;

import static dev.tasksync.internal.console.Requests.halt;
import static dev.tasksync.internal.console.Requests.isApi;
import static dev.tasksync.internal.console.Requests.remote;

/**
 * Who is asking and may they: the guard before every route (security headers, same origin, the session, CSRF,
 * roles), and login/logout.
 */
final class SessionRoutes {
    static final String SESSION_COOKIE = "tasksync_session";
    /** Scripts and styles only from this server; no inline script, no framing, forms post only here. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final ConsoleContext console;
    private final LoginLimiter limiter = new LoginLimiter(Clock.systemUTC());
    /** Without users there is no session: this one token protects the forms of the loopback-only console. */
    private final String serverCsrf = UserStore.randomToken();
    private volatile long usersCheckedAt;
    private volatile boolean usersExist;

    SessionRoutes(ConsoleContext console) {
        this.console = console;
        this.usersExist = console.users().any();
        this.usersCheckedAt = System.nanoTime();
    }

    void addTo(RoutesConfig routes) {
        routes.before(this::guard);
        routes.get("/login", ctx -> console.page(ctx, "login", new Pages.LoginPage(null, serverCsrf, "")));
        routes.post("/login", this::login);
        routes.post("/logout", this::logout);
    }

    boolean loginRequired() {
        if (System.nanoTime() - usersCheckedAt > 2_000_000_000L) { // a user added meanwhile turns login on
            usersExist = console.users().any();
            usersCheckedAt = System.nanoTime();
        }
        return usersExist;
    }

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
            Optional<UserStore.Session> s = console.users().session(ctx.cookie(SESSION_COOKIE));
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

    private void login(Context ctx) {
        String user = Optional.ofNullable(ctx.formParam("user")).orElse("").trim();
        String password = Optional.ofNullable(ctx.formParam("password")).orElse("");
        String remote = remote(ctx);
        if (limiter.blocked(remote, user)) {
            console.users().audit(user, "login refused (rate limit)", "-", remote);
            console.page(ctx.status(429), "login", new Pages.LoginPage(
                    "Too many failed logins: try again in a few minutes.", serverCsrf, user));
            return;
        }
        Optional<UserStore.Session> s = user.isEmpty() ? Optional.empty() : console.users().login(user, password);
        if (s.isEmpty()) {
            limiter.failed(remote, user);
            console.users().audit(user, "login failed", "-", remote);
            console.page(ctx.status(401), "login", new Pages.LoginPage("Wrong user name or password.", serverCsrf, user));
            return;
        }
        console.users().audit(user, "login", "-", remote);
        boolean secure = console.options().secureCookies() || console.options().tls() || "https".equals(ctx.scheme());
        ctx.header("Set-Cookie", SESSION_COOKIE + "=" + s.get().token() + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
                + UserStore.SESSION_LIFETIME.toSeconds() + (secure ? "; Secure" : ""));
        String next = ctx.queryParam("next");
        ctx.redirect(next != null && next.startsWith("/") && !next.startsWith("//") ? next : "/", HttpStatus.SEE_OTHER);
    }

    private void logout(Context ctx) {
        console.users().logout(ctx.cookie(SESSION_COOKIE));
        ctx.header("Set-Cookie", SESSION_COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        ctx.redirect("/login", HttpStatus.SEE_OTHER);
    }
}
