package dev.tasksync.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** task-sync completion bash|zsh: picocli's script for every command, accepted (and working) in bash. */
class CompletionTest {
    @TempDir
    Path dir;

    private static CliHarness.Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new Cli(Map.of(), new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]), false).execute(args);
        return new CliHarness.Result(code, out.toString(), err.toString());
    }

    private static String bash(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }

    @Test
    void theBashScriptNamesEveryCommandAndBashAcceptsIt() throws Exception {
        CliHarness.Result r = cli("completion", "bash");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).isEmpty();
        for (String command : List.of("migrate", "task", "step", "run", "plan", "graph", "submit", "worker", "cancel", "db", "completion")) {
            assertThat(r.out()).contains(command);
        }
        assertThat(r.out()).contains("--local-path").contains("--task-id").contains("types").contains("history");
        Path script = Files.writeString(dir.resolve("task-sync.bash"), r.out());
        bash("bash -n " + script);
    }

    @Test
    void sourcedInBashItCompletesCommandsSubcommandsAndOptions() throws Exception {
        String script = cli("completion", "bash").out();
        Matcher m = Pattern.compile("complete -F (\\S+) .*task-sync").matcher(script);
        assertThat(m.find()).as("the script registers a completion function for task-sync").isTrue();
        Path file = Files.writeString(dir.resolve("task-sync.bash"), script);
        // compopt only works while bash itself runs a completion; called directly, it has nothing to change
        String complete = "source " + file + "\ncompopt() { :; }\n"
                + "c() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE};"
                + " COMPREPLY=(); " + m.group(1) + "; echo \"${COMPREPLY[*]}\"; }\n"
                + "c task-sync st\nc task-sync step \"\"\nc task-sync task create --lo\n";
        List<String> lines = bash(complete).lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).split(" ")).contains("step");
        assertThat(lines.get(1).split(" ")).contains("create", "list", "show", "edit", "delete", "reset", "types", "history");
        assertThat(lines.get(2).split(" ")).contains("--local-path");
    }

    @Test
    void theZshScriptLoadsBashcompinitAndThenTheBashScript() throws Exception {
        CliHarness.Result r = cli("completion", "zsh");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("#compdef task-sync\n").contains("bashcompinit").contains("compinit")
                .endsWith(cli("completion", "bash").out());
        // zsh is not always installed; where it is, it must accept the script too
        if (new ProcessBuilder("sh", "-c", "command -v zsh").start().waitFor() == 0) {
            Path script = Files.writeString(dir.resolve("task-sync.zsh"), r.out());
            bash("zsh -n " + script);
        }
    }

    @Test
    void anotherShellIsRefusedNamingTheOnesThereAre() {
        CliHarness.Result r = cli("completion", "fish");
        assertThat(r.code()).isEqualTo(Cli.BAD_INPUT);
        assertThat(r.err()).contains("fish").contains("bash").contains("zsh");
        assertThat(r.out()).isEmpty();
    }
}
