package dev.tasksync.internal.console;

import dev.tasksync.NotFoundException;
import dev.tasksync.TaskSync;
import dev.tasksync.TaskSyncException;
import dev.tasksync.console.ConsoleOptions;
import dev.tasksync.console.RunningConsole;
import io.javalin.Javalin;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.util.Set;

import static dev.tasksync.internal.console.Requests.fail;
import static dev.tasksync.internal.console.Requests.id;

/**
 * The console's HTTP server: Javalin on Jetty (plain, or TLS only), the routes of its parts (SessionRoutes: the guard
 * and login; PageRoutes; ApiRoutes; ActionRoutes; UserRoutes; the live event streams of LiveUpdates) and how errors
 * are answered.
 */
public final class ConsoleServer implements RunningConsole {
    private final ConsoleOptions options;
    private final SessionRoutes sessions;
    private final ActionRoutes actions;
    private final LiveUpdates live;
    private final Javalin app;

    private ConsoleServer(TaskSync ts, UserStore users, ConsoleOptions options) {
        this.options = options;
        ConsoleContext console = new ConsoleContext(ts, users, options, new Views());
        this.sessions = new SessionRoutes(console);
        this.actions = new ActionRoutes(console);
        PageRoutes pages = new PageRoutes(console);
        ApiRoutes api = new ApiRoutes(console);
        UserRoutes userRoutes = new UserRoutes(console);
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
            sessions.addTo(cfg.routes);
            pages.addTo(cfg.routes);
            cfg.routes.sse("/tasks/{id}/events", client -> live.subscribe(id(client.ctx()), client));
            api.addTo(cfg.routes);
            userRoutes.addTo(cfg.routes);
            actions.addTo(cfg.routes);
            cfg.routes.exception(NotFoundException.class, (e, ctx) -> fail(ctx, 404, e.getMessage()));
            cfg.routes.exception(Requests.BadRequest.class, (e, ctx) -> fail(ctx, 400, e.getMessage()));
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
        return sessions.loginRequired();
    }

    @Override
    public void close() {
        live.close();
        app.stop();
        actions.close();
    }
}
