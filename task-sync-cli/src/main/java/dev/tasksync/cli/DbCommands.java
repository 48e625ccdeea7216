package dev.tasksync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.embedded.EmbeddedServer;
import dev.tasksync.embedded.SharedServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Optional;

@Command(name = "db", description = "The embedded PostgreSQL server kept running between commands.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  task-sync db status", "  task-sync db stop", "  TASKSYNC_HOME=/tmp/ts task-sync db start"})
final class DbCommands {

    @Command(name = "status", description = "Say whether the embedded server runs, and where.", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync db status", "  task-sync --home /tmp/ts db status",
                    "  task-sync db status --json | jq -r .url"})
    static final class Status extends BaseCommand {
        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            String external = root().externalUrl();
            if (json.json) {
                Json.print(out(), json(external));
                return Cli.OK;
            }
            if (external != null) {
                out().println("Using the external database " + root().redact(external) + " (--db / TASKSYNC_DB_URL); the embedded server is not used.");
            }
            SharedServer server = root().server();
            Optional<SharedServer.Info> info = server.status();
            if (info.isPresent()) {
                out().println("running  port " + info.get().port() + "  pid " + info.get().pid()
                        + "  url " + info.get().jdbcUrl());
                out().println("data     " + server.dataDirectory());
                out().println("log      " + server.logFile());
                out().println("password " + server.passwordFile() + " (user " + EmbeddedServer.USER + ")");
            } else {
                out().println("stopped  data " + server.dataDirectory() + " (the next command starts it)");
            }
            return Cli.OK;
        }

        /** The same facts as the text, for scripts: nulls where the server is not running. */
        private ObjectNode json(String external) {
            SharedServer server = root().server();
            Optional<SharedServer.Info> info = server.status();
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("running", info.isPresent());
            n.put("port", info.map(SharedServer.Info::port).orElse(null));
            n.put("pid", info.map(SharedServer.Info::pid).orElse(null));
            n.put("url", info.map(SharedServer.Info::jdbcUrl).orElse(null));
            n.put("user", EmbeddedServer.USER);
            n.put("home", server.home().toString());
            n.put("data_directory", server.dataDirectory().toString());
            n.put("log", server.logFile().toString());
            n.put("password_file", server.passwordFile().toString());
            // the embedded server is not what commands use when an external database is configured
            n.put("external_database", external == null ? null : root().redact(external));
            return n;
        }
    }

    @Command(name = "start", description = "Start the embedded server now (commands start it on demand anyway).",
            mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  task-sync db start"})
    static final class Start extends BaseCommand {
        @Override
        public Integer call() {
            SharedServer.Info info;
            try {
                info = root().startEmbedded();
            } catch (RuntimeException e) {
                throw new Cli.ConnectionException(e.getMessage(), e);
            }
            out().println("running  port " + info.port() + "  pid " + info.pid() + "  url " + info.jdbcUrl());
            return Cli.OK;
        }
    }

    @Command(name = "stop", description = "Stop the embedded server (data is kept).", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync db stop"})
    static final class Stop extends BaseCommand {
        @Override
        public Integer call() {
            Optional<SharedServer.Info> stopped = root().server().stop();
            out().println(stopped.map(i -> "stopped  (was pid " + i.pid() + ", port " + i.port() + ")")
                    .orElse("not running"));
            return Cli.OK;
        }
    }
}
