package dev.tasksync.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Statuses in colour on a terminal only: never in a pipe (the harness), nor with NO_COLOR; --color overrides. */
class ColorsIT {
    private static final String ESC = "\u001b[";
    @RegisterExtension
    final CliHarness cli = new CliHarness();
    private String task;

    @TempDir
    Path dir;

    @BeforeEach
    void open() throws Exception {
        Files.writeString(dir.resolve("here.txt"), "x");
        task = "colours";
        ok("task", "create", "--name", task, "--local-path", dir.toString());
        ok("step", "create", "--task", task, "--title", "Present", "--settings", "{\"file_exists\": \"here.txt\"}");
        ok("step", "create", "--task", task, "--title", "Missing", "--settings", "{\"file_exists\": \"gone.txt\"}");
    }

    private CliHarness.Result ok(String... args) {
        CliHarness.Result r = cli.run(args);
        assertThat(r.code()).as(r.toString()).isIn(0, 1); // run exits 1: one step fails on purpose
        return r;
    }

    /** The commands whose output shows statuses, with their output. */
    private List<String> outputs(String... extra) {
        List<List<String>> commands = List.of(List.of("plan", "--task", task), List.of("run", "--task", task),
                List.of("task", "show", task), List.of("task", "list"), List.of("step", "list", "--task", task));
        return commands.stream().map(c -> {
            List<String> args = new ArrayList<>(c);
            args.addAll(List.of(extra));
            CliHarness.Result r = ok(args.toArray(String[]::new));
            return r.out() + r.err();
        }).toList();
    }

    @Test
    void notATerminalMeansNoEscapeCodes() {
        List<String> outputs = outputs();
        assertThat(outputs).allSatisfy(out -> assertThat(out).doesNotContain(ESC));
        assertThat(outputs.get(1)).contains("completed 1 'Present'").contains("failed    2 'Missing'");
    }

    @Test
    void aTerminalGetsColouredStatusesAndTheColumnsStayAligned() {
        cli.terminal = true;
        cli.env.put("TERM", "xterm-256color");
        List<String> coloured = outputs();
        assertThat(coloured).allSatisfy(out -> assertThat(out).contains(ESC));
        assertThat(coloured.get(1)).contains(ESC + "32mcompleted" + ESC + "0m").contains(ESC + "31mfailed" + ESC + "0m");
        assertThat(coloured.get(0)).contains(ESC + "1;36myes");
        // without the codes, the table is the one a pipe gets
        cli.terminal = false;
        String plainShow = ok("task", "show", task).out();
        cli.terminal = true;
        String colouredShow = ok("task", "show", task).out();
        assertThat(colouredShow.replaceAll("\u001b\\[[0-9;]*m", "")).isEqualTo(plainShow);
    }

    @Test
    void noColorOrColorNeverTurnsThemOffOnATerminal() {
        cli.terminal = true;
        cli.env.put("NO_COLOR", "1");
        assertThat(outputs()).allSatisfy(out -> assertThat(out).doesNotContain(ESC));
        cli.env.remove("NO_COLOR");
        assertThat(outputs("--color=never")).allSatisfy(out -> assertThat(out).doesNotContain(ESC));
        cli.env.put("TERM", "dumb");
        assertThat(outputs()).allSatisfy(out -> assertThat(out).doesNotContain(ESC));
    }

    @Test
    void colorAlwaysForcesThemInAPipeEvenWithNoColor() {
        cli.env.put("NO_COLOR", "1");
        assertThat(outputs("--color=always")).allSatisfy(out -> assertThat(out).contains(ESC));
        CliHarness.Result bad = cli.run("task", "list", "--color=sometimes");
        assertThat(bad.code()).isEqualTo(Cli.BAD_INPUT);
        assertThat(bad.err()).contains("--color").contains("always").contains("never");
    }
}
