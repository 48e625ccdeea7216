package dev.tasksync.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.Map;
import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionOptionsTest {
    @Test
    void postgresUrisBecomeJdbcUrlsWithUserAndPassword() {
        assertThat(TaskSyncCommand.toJdbc("postgres://alice:s%40cret@db.example:6543/tasks?sslmode=require"))
                .containsExactly("jdbc:postgresql://db.example:6543/tasks?sslmode=require", "alice", "s@cret");
        assertThat(TaskSyncCommand.toJdbc("postgresql://localhost"))
                .containsExactly("jdbc:postgresql://localhost/postgres", null, null);
        assertThat(TaskSyncCommand.toJdbc("jdbc:postgresql://h:1/d"))
                .containsExactly("jdbc:postgresql://h:1/d", null, null);
        assertThatThrownBy(() -> TaskSyncCommand.toJdbc("mysql://h/d")).hasMessageContaining("--db");
    }

    @Test
    void optionsWinOverTheEnvironment() {
        TaskSyncCommand root = new TaskSyncCommand(Map.of("TASKSYNC_DB_URL", "jdbc:postgresql://env/db",
                "TASKSYNC_SCHEMA", "from_env", "TASKSYNC_HOME", "/tmp/env-home"), new ByteArrayInputStream(new byte[0]), false);
        assertThat(root.externalUrl()).isEqualTo("jdbc:postgresql://env/db");
        assertThat(root.schema()).isEqualTo("from_env");
        assertThat(root.home().toString()).isEqualTo("/tmp/env-home");
        root.dbUrl = "jdbc:postgresql://option/db";
        root.schema = "from_option";
        assertThat(root.externalUrl()).isEqualTo("jdbc:postgresql://option/db");
        assertThat(root.schema()).isEqualTo("from_option");
    }

    @Test
    void globalOptionsAreAcceptedAfterTheSubcommand() {
        Cli cli = quietCli();
        var cl = cli.commandLine();
        var parsed = cl.parseArgs("task", "list", "--schema", "s1", "--db", "jdbc:postgresql://x/y");
        TaskSyncCommand root = cl.getCommand();
        assertThat(parsed.subcommand().subcommand().commandSpec().name()).isEqualTo("list");
        assertThat(root.schema()).isEqualTo("s1");
        assertThat(root.externalUrl()).isEqualTo("jdbc:postgresql://x/y");
    }

    @Test
    void onlyTheInvokedCommandIsBuiltAndOptionValuesThatLookLikeCommandsDoNotConfuseIt() {
        Cli cli = quietCli();
        String[] args = {"--schema", "run", "task", "--home", "/tmp/step", "list", "--db", "jdbc:postgresql://x/y"};
        var cl = cli.commandLine(args);
        assertThat(cl.getSubcommands().keySet()).containsExactly("task");
        assertThat(cl.getSubcommands().get("task").getSubcommands().keySet()).containsExactly("list");
        var parsed = cl.parseArgs(args);
        TaskSyncCommand root = cl.getCommand();
        assertThat(parsed.subcommand().subcommand().commandSpec().name()).isEqualTo("list");
        assertThat(root.schema()).isEqualTo("run");
        assertThat(root.home().toString()).isEqualTo("/tmp/step");
        assertThat(root.externalUrl()).isEqualTo("jdbc:postgresql://x/y");
        assertThat(cli.commandLine(new String[] {"--version"}).getSubcommands()).containsKeys("task", "step", "run", "db");
    }

    /** A Cli with no environment, no input and its output dropped. */
    private static Cli quietCli() {
        return new Cli(Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
                new ByteArrayInputStream(new byte[0]), false);
    }
}
