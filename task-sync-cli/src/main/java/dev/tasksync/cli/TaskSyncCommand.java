package dev.tasksync.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasksync.ConnectionPool;
import dev.tasksync.Redaction;
import dev.tasksync.TaskSync;
import dev.tasksync.TaskSyncException;
import dev.tasksync.embedded.EmbeddedServer;
import dev.tasksync.embedded.EmbeddedServerException;
import dev.tasksync.embedded.SharedServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import javax.sql.DataSource;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;

@Command(name = "task-sync",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "Defines multi-step tasks, stores them in PostgreSQL and runs their steps in dependency order.",
                "",
                "Without --db (or TASKSYNC_DB_URL) task-sync uses an embedded PostgreSQL whose data lives in "
                        + "~/.task-sync (or $TASKSYNC_HOME). The first command starts it; it keeps running for the next "
                        + "commands until 'task-sync db stop'."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  task-sync task create --name build --local-path .",
                "  task-sync step create --task-id 1 --title \"Check for source files\" \\",
                "    --settings '{\"file_exists\": [\"main.go\", \"go.mod\"]}'",
                "  task-sync run --task-id 1",
                "  task-sync task list --json",
                "",
                "Exit codes: 0 success, 1 a step failed (or the database cannot be reached), 2 usage or bad input,",
                "  3 a run's steps were cancelled (task-sync cancel),",
                "  130 stopped by Ctrl-C (SIGINT), 143 by SIGTERM (128 + the signal; running steps",
                "  cancelled or given back).",
                "Environment: TASKSYNC_DB_URL, TASKSYNC_DB_USER, TASKSYNC_DB_PASSWORD, TASKSYNC_SCHEMA, TASKSYNC_HOME, TASKSYNC_PLUGINS, NO_COLOR.",
                "Shell completion: source <(task-sync completion bash)   (or zsh)"})
final class TaskSyncCommand implements AutoCloseable {
    /**
     * The top-level commands. They are added by {@link Cli} (only the one invoked, when it can tell which,
     * so picocli does not build the model of every command for each invocation).
     */
    static final Map<String, Class<?>> COMMANDS = new LinkedHashMap<>();

    /** The commands of each group (task, step, ...), registered like the top-level ones. */
    static final Map<String, Map<String, Class<?>>> SUBCOMMANDS = new HashMap<>();

    static {
        COMMANDS.put("migrate", MigrateCommand.class);
        COMMANDS.put("task", TaskCommands.class);
        COMMANDS.put("step", StepCommands.class);
        COMMANDS.put("run", RunCommand.class);
        COMMANDS.put("plan", PlanCommand.class);
        COMMANDS.put("graph", GraphCommand.class);
        COMMANDS.put("report", ReportCommand.class);
        COMMANDS.put("submit", WorkerCommands.Submit.class);
        COMMANDS.put("worker", WorkerCommands.WorkerCommand.class);
        COMMANDS.put("cancel", WorkerCommands.Cancel.class);
        COMMANDS.put("logs", LogsCommand.class);
        COMMANDS.put("db", DbCommands.class);
        COMMANDS.put("serve", ConsoleCommands.Serve.class);
        COMMANDS.put("user", ConsoleCommands.UserCommand.class);
        COMMANDS.put("completion", CompletionCommand.class);
        SUBCOMMANDS.put("migrate", leaves("up", MigrateCommand.Up.class, "status", MigrateCommand.Status.class));
        SUBCOMMANDS.put("task", leaves("create", TaskCommands.Create.class, "list", TaskCommands.ListTasks.class,
                "show", TaskCommands.Show.class, "delete", TaskCommands.Delete.class));
        SUBCOMMANDS.put("step", leaves("create", StepCommands.Create.class, "list", StepCommands.ListSteps.class,
                "show", StepCommands.Show.class, "edit", StepCommands.Edit.class, "delete", StepCommands.Delete.class,
                "reset", StepCommands.Reset.class, "history", WorkerCommands.History.class, "types", StepCommands.Types.class));
        SUBCOMMANDS.put("worker", leaves("list", WorkerCommands.ListWorkers.class));
        SUBCOMMANDS.put("user", leaves("add", ConsoleCommands.Add.class, "list", ConsoleCommands.ListUsers.class,
                "remove", ConsoleCommands.Remove.class));
        SUBCOMMANDS.put("db", leaves("status", DbCommands.Status.class, "start", DbCommands.Start.class, "stop", DbCommands.Stop.class));
    }

    private static Map<String, Class<?>> leaves(Object... nameAndClass) {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndClass.length; i += 2) {
            m.put((String) nameAndClass[i], (Class<?>) nameAndClass[i + 1]);
        }
        return m;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--db", paramLabel = "URL", scope = ScopeType.INHERIT, order = 100,
            description = "PostgreSQL to use: jdbc:postgresql://host:port/db or postgres://user:pass@host:port/db "
                    + "(default: $TASKSYNC_DB_URL, else the embedded server).")
    String dbUrl;

    @Option(names = "--db-user", paramLabel = "USER", scope = ScopeType.INHERIT, order = 101,
            description = "Database user (default: $TASKSYNC_DB_USER).")
    String dbUser;

    @Option(names = "--db-password", paramLabel = "PASSWORD", scope = ScopeType.INHERIT, order = 102,
            description = "Database password (default: $TASKSYNC_DB_PASSWORD).")
    String dbPassword;

    @Option(names = "--schema", paramLabel = "SCHEMA", scope = ScopeType.INHERIT, order = 103,
            description = "Schema holding task-sync's tables (default: $TASKSYNC_SCHEMA, else public).")
    String schema;

    @Option(names = "--home", paramLabel = "DIR", scope = ScopeType.INHERIT, order = 104,
            description = "Home of the embedded server's data (default: $TASKSYNC_HOME, else ~/.task-sync).")
    Path home;

    @Option(names = "--plugins", paramLabel = "DIR", scope = ScopeType.INHERIT, order = 105,
            description = "Directory of jars with step types of their own (listed in META-INF/services/dev.tasksync.spi.StepType); "
                    + "several directories separated by the path separator, ':' (';' on Windows) (default: $TASKSYNC_PLUGINS).")
    String plugins;

    @Option(names = "--color", paramLabel = "WHEN", scope = ScopeType.INHERIT, order = 106,
            description = "Colour statuses: auto (when standard output is a terminal and NO_COLOR is not set), "
                    + "always or never (default: auto).")
    Colors.When color;

    final Map<String, String> env;
    final InputStream in;
    final boolean terminal;
    private TaskSync open;
    private HikariDataSource pool;
    private SingleConnectionDataSource single;
    private Plugins loaded;
    /** Where the TaskSync opened next reports its metrics (worker --metrics-port); none by default. */
    private MeterRegistry meterRegistry;

    TaskSyncCommand(Map<String, String> env, InputStream in, boolean terminal) {
        this.env = env;
        this.in = in;
        this.terminal = terminal;
    }

    static TaskSyncCommand of(CommandSpec spec) {
        return (TaskSyncCommand) spec.root().userObject();
    }

    /** With TASKSYNC_TIMING set, prints how long start-up phases took (to stderr). */
    void timing(String phase) {
        if (env("TASKSYNC_TIMING") != null) {
            long uptime = ProcessHandle.current().info().startInstant()
                    .map(start -> Duration.between(start, Instant.now()).toMillis()).orElse(-1L);
            System.err.println("[timing] " + uptime + " ms  " + phase);
        }
    }

    String env(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    Path home() {
        if (home != null) {
            return home;
        }
        String h = env("TASKSYNC_HOME");
        return h != null ? Paths.get(h) : EmbeddedServer.defaultHome();
    }

    SharedServer server() {
        return SharedServer.in(home());
    }

    /** Colours for this invocation's output (see {@link Colors}). */
    Colors colors() {
        return Colors.of(color != null ? color : Colors.When.auto, env, terminal);
    }

    /**
     * The embedded server, started when it is not running. The command that creates its data directory says
     * where on stderr (once: later commands find it there), so a new user knows where tasks are kept.
     */
    SharedServer.Info startEmbedded() {
        SharedServer server = server();
        boolean existed = Files.exists(server.dataDirectory().resolve("postgresql.conf"));
        SharedServer.Info info = server.ensureRunning();
        if (!existed && Files.exists(server.dataDirectory().resolve("postgresql.conf"))) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("task-sync: created a new embedded PostgreSQL database in " + server.dataDirectory()
                    + " (kept between commands; 'task-sync db status' shows it, --db or TASKSYNC_DB_URL uses another)");
            err.flush();
        }
        return info;
    }

    /** The external database URL (JDBC form), or null for the embedded server. */
    String externalUrl() {
        String url = dbUrl != null ? dbUrl : env("TASKSYNC_DB_URL");
        return url == null ? null : toJdbc(url)[0];
    }

    String schema() {
        return schema != null ? schema : env("TASKSYNC_SCHEMA") != null ? env("TASKSYNC_SCHEMA") : TaskSync.DEFAULT_SCHEMA;
    }

    /** The plugin jars of --plugins (or TASKSYNC_PLUGINS), loaded once; none when neither is set. */
    Plugins plugins() {
        if (loaded == null) {
            String given = plugins != null ? plugins : env("TASKSYNC_PLUGINS");
            String source = plugins != null ? "--plugins" : "TASKSYNC_PLUGINS";
            loaded = Plugins.load(given, source, TaskSyncCommand.class.getClassLoader());
        }
        return loaded;
    }

    /** A TaskSync on the configured database, migrated; pooled for runs with several steps at once. */
    TaskSync open(int poolSize) {
        if (open != null) {
            return open;
        }
        String url;
        String user;
        String password;
        timing("open");
        String given = dbUrl != null ? dbUrl : env("TASKSYNC_DB_URL");
        if (given != null) {
            String[] parts = toJdbc(given);
            url = parts[0];
            user = dbUser != null ? dbUser : env("TASKSYNC_DB_USER") != null ? env("TASKSYNC_DB_USER") : parts[1];
            password = dbPassword != null ? dbPassword
                    : env("TASKSYNC_DB_PASSWORD") != null ? env("TASKSYNC_DB_PASSWORD") : parts[2];
        } else {
            try {
                SharedServer server = server();
                url = startEmbedded().jdbcUrl();
                password = server.password();
            } catch (EmbeddedServerException e) {
                throw new Cli.ConnectionException(e.getMessage(), e);
            }
            user = EmbeddedServer.USER;
        }
        timing("server");
        PGSimpleDataSource simple = new PGSimpleDataSource();
        simple.setURL(url);
        if (user != null) {
            simple.setUser(user);
        }
        if (password != null) {
            simple.setPassword(password);
        }
        DataSource ds;
        if (poolSize > 1) {
            pool = ConnectionPool.open(url, user, password, poolSize);
            ds = pool;
        } else {
            // one command, a few queries in a row: connect once
            single = new SingleConnectionDataSource(simple);
            ds = single;
        }
        try (Connection c = ds.getConnection()) {
            c.getAutoCommit();
        } catch (SQLException | RuntimeException e) {
            // each part on its own: a password in the URL may end in ':'
            throw new Cli.ConnectionException("cannot connect to " + redact(url) + ": " + redact(e.getMessage()), e);
        }
        timing("connected");
        String s = schema();
        ClassLoader loader = plugins().classLoader();
        String host = env("HOSTNAME") != null ? env("HOSTNAME") + "-" : "";
        String workerId = "cli-" + host + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        TaskSync.Builder builder;
        try {
            // an explicit worker id spares loading JMX just to name this process
            builder = TaskSync.builder().dataSource(ds).schema(s).workerId(workerId).classLoader(loader);
        } catch (IllegalArgumentException e) {
            throw new Cli.UsageException(e.getMessage());
        }
        boolean pending = Migrations.pending(ds, s);
        timing("migrations checked (pending: " + pending + ")");
        try {
            if (pending) {
                // Flyway gets connections of its own (it may hold two at once)
                TaskSync.builder().dataSource(pool != null ? pool : simple).schema(s).workerId(workerId).classLoader(loader).migrate(true).build().close();
            }
            if (meterRegistry != null) {
                builder.meterRegistry(meterRegistry);
            }
            open = builder.migrate(false).build();
        } catch (TaskSyncException e) {
            throw new Cli.ConnectionException(e.getMessage(), e);
        }
        timing("opened");
        return open;
    }

    TaskSync open() {
        return open(1);
    }

    /** Metrics of the TaskSync this invocation opens go to {@code registry}; before {@link #open(int)}. */
    void meterRegistry(MeterRegistry registry) {
        this.meterRegistry = registry;
    }

    /** The passwords this invocation was given (--db-password, TASKSYNC_DB_PASSWORD, the URL's), to keep out of messages. */
    String[] secrets() {
        String given = dbUrl != null ? dbUrl : env("TASKSYNC_DB_URL");
        String inUrl = null;
        if (given != null) {
            try {
                inUrl = toJdbc(given)[2];
            } catch (RuntimeException malformed) {
                // its password is masked by the URL rules
            }
        }
        return new String[] {dbPassword, env("TASKSYNC_DB_PASSWORD"), inUrl};
    }

    /** {@code text} without any password: URLs' and those this invocation was given. */
    String redact(String text) {
        return Redaction.redact(text, secrets());
    }

    /** Splits postgres://user:pass@host:port/db URIs into a JDBC URL, user and password; JDBC URLs pass through. */
    static String[] toJdbc(String url) {
        if (url.startsWith("jdbc:")) {
            return new String[] {url, null, null};
        }
        if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new Cli.UsageException("--db is not a valid URL: " + Redaction.redact(e.getMessage())
                        + " (percent-encode special characters of the user and password, e.g. %40 for @)");
            }
            String user = null;
            String password = null;
            if (uri.getRawUserInfo() != null) {
                String[] ui = uri.getRawUserInfo().split(":", 2);
                user = URLDecoder.decode(ui[0], StandardCharsets.UTF_8);
                password = ui.length > 1 ? URLDecoder.decode(ui[1], StandardCharsets.UTF_8) : null;
            }
            String hostPort = uri.getHost() == null ? "localhost" : uri.getHost();
            if (uri.getPort() > 0) {
                hostPort += ":" + uri.getPort();
            }
            String db = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "/postgres" : uri.getRawPath();
            String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
            return new String[] {"jdbc:postgresql://" + hostPort + db + query, user, password};
        }
        throw new Cli.UsageException("--db must be a jdbc:postgresql:// or postgres:// URL, was '" + Redaction.redact(url) + "'");
    }

    @Override
    public void close() {
        if (open != null) {
            open.close();
            open = null;
        }
        if (pool != null) {
            pool.close();
            pool = null;
        }
        if (single != null) {
            single.close();
            single = null;
        }
        if (loaded != null) {
            loaded.close();
            loaded = null;
        }
    }
}
