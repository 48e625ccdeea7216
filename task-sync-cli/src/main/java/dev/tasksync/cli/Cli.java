package dev.tasksync.cli;

import dev.tasksync.DatabaseException;
import dev.tasksync.Redaction;
import dev.tasksync.TaskSyncException;
import dev.tasksync.embedded.EmbeddedServerException;
import picocli.CommandLine;

import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Builds the picocli command line with its streams, environment and exit codes:
 * 0 success, 1 a step failed (or the database could not be reached), 2 usage or bad input,
 * 3 a run ended with steps cancelled (and none failed).
 */
final class Cli {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_INPUT = 2;
    /** A run whose steps were cancelled from elsewhere (task-sync cancel), none failed. */
    static final int CANCELLED = 3;
    /** Bound of run's and worker's --concurrency. */
    static final int MAX_CONCURRENCY = 1000;

    private final Map<String, String> env;
    private final PrintWriter out;
    private final PrintWriter err;
    private final InputStream in;
    private final boolean terminal;
    private TaskSyncCommand last;

    Cli(Map<String, String> env, PrintWriter out, PrintWriter err, InputStream in, boolean terminal) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.in = in;
        this.terminal = terminal;
    }

    static Cli standard() {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        return new Cli(System.getenv(), out, err, System.in, System.console() != null);
    }

    /** The full command line, every command registered (for help and tests). */
    CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /** The command line for these arguments: only the top-level command they name, or all when none is named. */
    CommandLine commandLine(String[] args) {
        TaskSyncCommand root = new TaskSyncCommand(env, in, terminal);
        root.timing("main");
        CommandLine cl = new CommandLine(root);
        int at = find(args, 0, TaskSyncCommand.COMMANDS);
        if (at >= 0) {
            String named = args[at];
            Map<String, Class<?>> leaves = TaskSyncCommand.SUBCOMMANDS.get(named);
            int leafAt = leaves == null ? -1 : find(args, at + 1, leaves);
            String leaf = leafAt < 0 ? null : args[leafAt];
            cl.addSubcommand(named, command(named, leaf));
        } else {
            TaskSyncCommand.COMMANDS.keySet().forEach(name -> cl.addSubcommand(name, command(name, null)));
        }
        cl.setOut(out);
        cl.setErr(err);
        // help text follows the same colour rules as the commands' output (NO_COLOR, a terminal, --color)
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(Colors.of(colorOption(args), env, terminal).ansi()));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExpandAtFiles(false);
        cl.setUsageHelpAutoWidth(true);
        cl.setParameterExceptionHandler(Cli::onParameterError);
        cl.setExecutionExceptionHandler(Cli::onExecutionError);
        return cl;
    }

    private static final Set<String> GLOBAL_OPTIONS_WITH_VALUES =
            Set.of("--db", "--db-user", "--db-password", "--schema", "--home", "--plugins", "--color");

    /** The value of --color among the arguments (auto when absent or not valid; picocli reports the latter). */
    private static Colors.When colorOption(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String value = args[i].startsWith("--color=") ? args[i].substring("--color=".length())
                    : "--color".equals(args[i]) && i + 1 < args.length ? args[i + 1] : null;
            if (value != null) {
                for (Colors.When when : Colors.When.values()) {
                    if (when.name().equalsIgnoreCase(value)) {
                        return when;
                    }
                }
            }
            if ("--".equals(args[i])) {
                break;
            }
        }
        return Colors.When.auto;
    }

    /** Index of the first argument from {@code from} naming one of the commands (global options' values skipped), or -1. */
    private static int find(String[] args, int from, Map<String, Class<?>> commands) {
        for (int i = from; i < args.length; i++) {
            if (GLOBAL_OPTIONS_WITH_VALUES.contains(args[i])) {
                i++;
            } else if ("--".equals(args[i])) {
                return -1;
            } else if (commands.containsKey(args[i])) {
                return i;
            }
        }
        return -1;
    }

    /** A top-level command; for a group, with only the named subcommand (all when leaf is null). */
    static CommandLine command(String name, String leaf) {
        CommandLine command = new CommandLine(TaskSyncCommand.COMMANDS.get(name));
        Map<String, Class<?>> leaves = TaskSyncCommand.SUBCOMMANDS.get(name);
        if (leaves != null) {
            if (leaf != null) {
                command.addSubcommand(leaf, leaves.get(leaf));
            } else {
                leaves.forEach(command::addSubcommand);
            }
        }
        return command;
    }

    int execute(String... args) {
        CommandLine cl = commandLine(args);
        TaskSyncCommand root = cl.getCommand();
        last = root;
        root.timing("command line built");
        try {
            return cl.execute(args);
        } finally {
            root.timing("done");
            root.close();
            out.flush();
            err.flush();
        }
    }

    /** The root command of the last {@link #execute} (its parsed global options). */
    TaskSyncCommand last() {
        return last;
    }

    Map<String, String> env() {
        return env;
    }

    /** {@code text} without passwords (see {@link TaskSyncCommand#redact}): every error message goes through it. */
    private static String redact(CommandLine cl, String text) {
        return cl.getCommandSpec().root().userObject() instanceof TaskSyncCommand root ? root.redact(text)
                : Redaction.redact(text);
    }

    private static int onParameterError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("error: " + redact(cl, e.getMessage()));
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for usage and examples.");
        err.flush();
        return BAD_INPUT;
    }

    private static int onExecutionError(Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        int code;
        if (e instanceof ConnectionException || e instanceof DatabaseException || e instanceof EmbeddedServerException) {
            // the database failed, not the input
            err.println("error: " + redact(cl, e.getMessage()));
            code = FAILED;
        } else if (e instanceof UsageException || e instanceof TaskSyncException) {
            err.println("error: " + redact(cl, e.getMessage()));
            code = BAD_INPUT;
        } else if (e instanceof IllegalArgumentException) {
            err.println("error: " + redact(cl, e.getMessage()));
            code = BAD_INPUT;
        } else {
            err.println("error: " + redact(cl, e.toString()));
            if (System.getenv("TASKSYNC_DEBUG") != null) {
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                err.print(redact(cl, trace.toString()));
            }
            code = FAILED;
        }
        err.flush();
        return code;
    }

    /** Bad input found by a command itself (not by picocli): exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** The database could not be reached or opened: exit code 1. */
    static final class ConnectionException extends RuntimeException {
        ConnectionException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
