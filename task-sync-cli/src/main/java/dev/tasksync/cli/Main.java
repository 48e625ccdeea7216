package dev.tasksync.cli;

/** Entry point of the runnable jar: {@code java -jar task-sync-cli-all.jar <command>}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // jOOQ's banner and tips cost start-up time and clutter the output
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        Cli cli = Cli.standard();
        int code = cli.execute(args);
        if (Training.enabled()) {
            System.out.flush();
            Training.exercise(cli.env(), cli.last());
        }
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }
}
