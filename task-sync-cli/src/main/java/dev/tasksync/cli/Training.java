package dev.tasksync.cli;

import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * When the launcher records the class-data-sharing archive ({@code -Dtasksync.cds.training=true}), the
 * command the user ran is followed by a few read-only commands on the same database, so the archive holds
 * the classes every common command needs, whichever command happened to create it.
 */
final class Training {
    private Training() {
    }

    static boolean enabled() {
        return Boolean.getBoolean("tasksync.cds.training");
    }

    static void exercise(Map<String, String> env, TaskSyncCommand previous) {
        try {
            PrintWriter none = new PrintWriter(Writer.nullWriter());
            List<String> global = new ArrayList<>();
            if (previous != null) {
                add(global, "--db", previous.dbUrl);
                add(global, "--db-user", previous.dbUser);
                add(global, "--db-password", previous.dbPassword);
                add(global, "--schema", previous.schema);
                add(global, "--home", previous.home == null ? null : previous.home.toString());
            }
            Cli cli = new Cli(env, none, none, new ByteArrayInputStream(new byte[0]), false);
            for (String[] command : List.of(
                    new String[] {"task", "list"}, new String[] {"task", "list", "--json"},
                    new String[] {"step", "list"}, new String[] {"step", "list", "--json"},
                    new String[] {"task", "show", "1"}, new String[] {"step", "show", "1"},
                    new String[] {"plan", "--task-id", "1"}, new String[] {"step", "types"})) {
                List<String> args = new ArrayList<>(global);
                args.addAll(List.of(command));
                cli.execute(args.toArray(String[]::new));
            }
            CommandLine full = cli.commandLine();
            full.getUsageMessage();
            full.getSubcommands().values().forEach(sub -> {
                sub.getUsageMessage();
                sub.getSubcommands().values().forEach(CommandLine::getUsageMessage);
            });
        } catch (RuntimeException | LinkageError e) {
            // training is best effort; the user's command already ran
        }
    }

    private static void add(List<String> args, String option, String value) {
        if (value != null) {
            args.add(option);
            args.add(value);
        }
    }
}
