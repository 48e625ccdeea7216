package dev.tasksync.cli;

import dev.tasksync.console.Console;
import dev.tasksync.console.ConsoleOptions;
import dev.tasksync.console.ConsoleUser;
import dev.tasksync.console.ConsoleUsers;
import dev.tasksync.console.Role;
import dev.tasksync.console.RunningConsole;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/** {@code serve} (the web console) and {@code user} (who may log in to it). */
final class ConsoleCommands {
    private ConsoleCommands() {
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"Serve the web console (tasks, their DAGs, steps, a JSON API under /api) until stopped.",
                    "With no user defined it binds to loopback only and asks for no login; add users with 'task-sync user add'."},
            footerHeading = "%nExamples:%n",
            footer = {"  task-sync serve", "  task-sync serve --port 9000 --bind 0.0.0.0   (needs a user)",
                    "  task-sync serve --bind 0.0.0.0 --tls-cert fullchain.pem --tls-key privkey.pem"})
    static final class Serve extends BaseCommand {
        @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on (default: 8064; 0 for any free one).")
        int port = ConsoleOptions.DEFAULT_PORT;

        @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to bind (default: 127.0.0.1).")
        String bind = ConsoleOptions.DEFAULT_BIND;

        @Option(names = "--secure-cookies", description = "Mark the session cookie Secure: set it behind a reverse proxy that terminates TLS.")
        boolean secureCookies;

        @Option(names = "--tls-cert", paramLabel = "FILE", description = "Serve HTTPS with this PEM certificate chain (server certificate first); needs --tls-key.")
        Path tlsCert;

        @Option(names = "--tls-key", paramLabel = "FILE", description = "The PEM private key of --tls-cert (PKCS#8, RSA or EC, unencrypted).")
        Path tlsKey;

        @Override
        public Integer call() throws InterruptedException {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("--port: must be from 0 to 65535, was " + port);
            }
            RunningConsole console = Console.start(ts(), new ConsoleOptions(bind, port, secureCookies, tlsCert, tlsKey));
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                console.close();
                stopped.countDown();
            }));
            out().println("task-sync console: " + console.url());
            if (!console.loginRequired()) {
                out().println("No users defined: serving on loopback without login. To require one:");
                out().println("  task-sync user add NAME --role admin   (reads the password from stdin)");
            }
            out().flush();
            stopped.await();
            return Cli.OK;
        }
    }

    @Command(name = "user", description = "Users of the web console.", mixinStandardHelpOptions = true)
    static final class UserCommand {
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a console user (or set the role and password of an existing one); the password is read from stdin.",
            footerHeading = "%nExamples:%n",
            footer = {"  printf '%s\\n' \"$PASSWORD\" | task-sync user add ada --role admin"})
    static final class Add extends BaseCommand {
        @Parameters(paramLabel = "NAME", description = "The name to log in with.")
        String name;

        @Option(names = "--role", required = true, paramLabel = "ROLE",
                description = "viewer (looks), operator (also runs and cancels) or admin.")
        String role;

        @Override
        public Integer call() {
            Role r = Role.parse(role);
            char[] password = readPassword();
            ConsoleUser u = ConsoleUsers.of(ts()).add(name, r, password);
            Arrays.fill(password, '\0');
            out().println("Console user '" + u.name() + "' (" + u.role() + ") saved.");
            return Cli.OK;
        }

        private char[] readPassword() {
            try {
                String line = new BufferedReader(new InputStreamReader(root().in, StandardCharsets.UTF_8)).readLine();
                if (line == null || line.isEmpty()) {
                    throw new IllegalArgumentException("password: none on standard input; pipe it in, e.g."
                            + " printf '%s\\n' \"$PASSWORD\" | task-sync user add " + name + " --role " + role);
                }
                return line.toCharArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the console's users and their roles.")
    static final class ListUsers extends BaseCommand {
        @Override
        public Integer call() {
            Table table = new Table("NAME", "ROLE", "CREATED");
            for (ConsoleUser u : ConsoleUsers.of(ts()).list()) {
                table.row(u.name(), u.role(), Json.time(u.createdAt()));
            }
            if (table.isEmpty()) {
                out().println("No console users: 'task-sync serve' binds to loopback only, without login.");
            } else {
                table.print(out());
            }
            return Cli.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a console user (and end their sessions).")
    static final class Remove extends BaseCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            if (!ConsoleUsers.of(ts()).remove(name)) {
                throw new IllegalArgumentException("NAME: no console user '" + name + "'");
            }
            out().println("Console user '" + name + "' removed.");
            return Cli.OK;
        }
    }
}
