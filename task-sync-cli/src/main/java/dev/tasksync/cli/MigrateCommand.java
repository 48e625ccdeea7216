package dev.tasksync.cli;

import picocli.CommandLine.Command;

@Command(name = "migrate", description = "Create or upgrade task-sync's tables (other commands also do this when needed).",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  task-sync migrate up", "  task-sync migrate status", "  task-sync --db jdbc:postgresql://db:5432/app --schema tasks migrate up"})
final class MigrateCommand {

    @Command(name = "up", description = "Apply pending migrations.", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync migrate up", "  task-sync --schema tasks migrate up"})
    static final class Up extends BaseCommand {
        @Override
        public Integer call() {
            // open() applies what is pending; report the state afterwards
            var ts = ts();
            int applied = ts.migrate();
            out().println("Schema " + ts.schema() + " is up to date"
                    + (applied > 0 ? " (" + applied + " migration" + (applied == 1 ? "" : "s") + " applied)." : "."));
            return Cli.OK;
        }
    }

    @Command(name = "status", description = "List migrations: version, description, state.", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync migrate status", "  TASKSYNC_DB_URL=jdbc:postgresql://db/app task-sync migrate status"})
    static final class Status extends BaseCommand {
        @Override
        public Integer call() {
            var ts = ts();
            out().println("Schema " + ts.schema() + ":");
            ts.migrationStatus().forEach(l -> out().println("  " + l));
            return Cli.OK;
        }
    }
}
