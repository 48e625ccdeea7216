package dev.tasksync.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;

/** {@code task-sync run --watch}: runs again what a change affects, says why, and stops on Ctrl-C (an interrupt here). */
class WatchCliIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final CliHarness cli = new CliHarness();

    @Test
    void aChangedFileRunsItsStepAgainAndSaysWhy() throws Exception {
        Files.writeString(dir.resolve("main.go"), "package main");
        Files.writeString(dir.resolve("go.mod"), "module x");
        cli.ok("task", "create", "--name", "watched", "--local-path", dir.toString());
        cli.ok("step", "create", "--task", "watched", "--title", "Sources", "--settings", "{\"file_exists\": \"main.go\"}");
        cli.ok("step", "create", "--task", "watched", "--title", "Module", "--settings", "{\"file_exists\": \"go.mod\"}");
        int sources = cli.api.steps(cli.api.task("watched").id()).get(0).id();

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger code = new AtomicInteger(-1);
        Thread run = new Thread(() -> code.set(new Cli(cli.env, new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]), false).execute("run", "--task", "watched", "--watch", "--debounce", "100")));
        run.start();
        try {
            await("watching", () -> out.toString().contains("for changes; Ctrl-C to stop.") || !run.isAlive());
            assertThat(out.toString()).as("%s%s", out, err).contains("Watching 2 paths of task");
            Files.delete(dir.resolve("main.go"));
            await("the run after the change", () -> out.toString().contains("Watching for changes") || !run.isAlive());
            assertThat(out.toString()).as("%s%s", out, err)
                    .contains("Changed: main.go")
                    .contains("  will run " + sources + " 'Sources': file main.go missing")
                    .doesNotContain("will run " + (sources + 1));
            assertThat(cli.api.step(sources).status().dbValue()).isEqualTo("failed");
        } finally {
            run.interrupt();
            run.join(30_000);
        }
        assertThat(code.get()).as("%s%s", out, err).isEqualTo(130);
        assertThat(cli.api.history(sources)).hasSize(2);
        assertThat(cli.api.history(sources + 1)).hasSize(1); // up to date all along
    }

    @Test
    void watchIsRefusedWithAll() {
        CliHarness.Result r = cli.run("run", "--all", "--watch");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--watch watches one task and prints what it runs: not with --all");
    }
}
