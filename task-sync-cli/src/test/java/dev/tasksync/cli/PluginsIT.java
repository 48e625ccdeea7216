package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.spi.StepType;
import dev.tasksync.testing.Rows;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import dev.tasksync.StepStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;

/**
 * A step type from a plugin jar, compiled and packaged here (so it is on no classpath), used through
 * {@code --plugins DIR} and {@code TASKSYNC_PLUGINS} by create, plan, run, submit and worker.
 */
class PluginsIT {
    private static final String SOURCE = """
            package demo.plugin;

            import dev.tasksync.spi.JsonSettings;
            import dev.tasksync.spi.StepContext;
            import dev.tasksync.spi.StepOutcome;
            import dev.tasksync.spi.StepType;
            import java.nio.file.Files;

            public final class GrepCountType implements StepType<String[]> {
                @Override
                public String key() {
                    return "grep_count";
                }

                @Override
                public String[] parse(JsonSettings value) {
                    value.requireObject();
                    return new String[] {value.field("file").asNonBlankString(), value.field("pattern").asNonBlankString()};
                }

                @Override
                public StepOutcome execute(StepContext<String[]> context) throws Exception {
                    String[] s = context.settings();
                    while (s[1].equals("WAIT") && !Files.exists(context.resolve("release"))) {
                        Thread.sleep(20); // until cancelled (interrupted) or released
                    }
                    long count = Files.readAllLines(context.resolve(s[0])).stream().filter(l -> l.contains(s[1])).count();
                    context.log().line("grep_count: " + count);
                    return StepOutcome.success(StepOutcome.newResults().put("count", count));
                }
            }
            """;

    @RegisterExtension
    final CliHarness cli = new CliHarness();

    @TempDir
    Path dir;

    private Path plugins;

    @BeforeEach
    void open() throws Exception {
        plugins = Files.createDirectories(dir.resolve("plugins"));
        buildPluginJar(plugins.resolve("grep-count.jar"));
        Files.writeString(dir.resolve("notes.txt"), "TODO one\nfine\nTODO two\n");
    }

    /** Compiles {@link #SOURCE} against the SPI and packages it with its ServiceLoader entry. */
    private void buildPluginJar(Path jar) throws IOException, URISyntaxException {
        Path src = Files.createDirectories(dir.resolve("src/demo/plugin")).resolve("GrepCountType.java");
        Files.writeString(src, SOURCE);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        String classpath = location(StepType.class) + File.pathSeparator + location(JsonNode.class)
                + File.pathSeparator + location(ObjectNode.class)
                + File.pathSeparator + location(JsonGenerator.class);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-classpath", classpath, "-d", classes.toString(), src.toString());
        assertThat(rc).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();
        try (OutputStream fo = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(fo);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/dev.tasksync.spi.StepType"));
            out.write("demo.plugin.GrepCountType\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static final String SETTINGS = "{\"grep_count\": {\"file\": \"notes.txt\", \"pattern\": \"TODO\"}}";

    @Test
    void withoutThePluginTheMessageNamesTheTypeAndSaysHowToAddIt() {
        cli.ok("task", "create", "--name", "grep", "--local-path", dir.toString());
        CliHarness.Result r = cli.run("step", "create", "--task", "grep", "--title", "Count TODOs", "--settings", SETTINGS);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("unknown step type 'grep_count'").contains("--plugins").contains("TASKSYNC_PLUGINS")
                .doesNotContain("task-sync-docker");
    }

    @Test
    void aStoredStepOfAnUnknownTypeNamesTheStepAtPlanAndRun() {
        cli.ok("--plugins", plugins.toString(), "task", "create", "--name", "grep", "--local-path", dir.toString());
        cli.ok("--plugins", plugins.toString(), "step", "create", "--task", "grep", "--title", "Count TODOs", "--settings", SETTINGS);
        CliHarness.Result plan = cli.run("plan", "--task", "grep");
        assertThat(plan.toString()).contains("grep_count").contains("Count TODOs").contains("--plugins");
        CliHarness.Result run = cli.run("run", "--task", "grep");
        assertThat(run.code()).as(run.toString()).isEqualTo(1);
        assertThat(run.toString()).contains("Count TODOs").contains("unknown step type 'grep_count'").contains("--plugins");
    }

    @Test
    void aPluginTypeIsCreatedPlannedAndRunWithPluginsOption() {
        String p = plugins.toString();
        cli.ok("--plugins", p, "task", "create", "--name", "grep", "--local-path", dir.toString());
        cli.ok("--plugins", p, "step", "create", "--task", "grep", "--title", "Count TODOs", "--settings", SETTINGS);
        assertThat(cli.ok("--plugins", p, "plan", "--task", "grep").out()).contains("Count TODOs");
        CliHarness.Result run = cli.ok("--plugins", p, "run", "--task", "grep");
        assertThat(run.out()).contains("grep_count: 2");
        int stepId = cli.api.steps(cli.api.task("grep").id()).get(0).id();
        assertThat(cli.api.step(stepId).results().get("count").asInt()).isEqualTo(2);

        CliHarness.Result types = cli.ok("--plugins", p, "step", "types");
        assertThat(types.out()).containsPattern("grep_count\\s+plugin " + Pattern.quote(plugins.resolve("grep-count.jar").toString()));
        assertThat(types.out()).containsPattern("file_exists\\s+built-in");
        assertThat(types.out()).containsPattern("docker_build\\s+task-sync-docker");
    }

    @Test
    void aPluginTypeRunsWithTheEnvironmentVariable() {
        cli.env.put("TASKSYNC_PLUGINS", plugins.toString());
        cli.ok("task", "create", "--name", "grep", "--local-path", dir.toString());
        cli.ok("step", "create", "--task", "grep", "--title", "Count TODOs", "--settings", SETTINGS);
        assertThat(cli.ok("run", "--task", "grep").out()).contains("grep_count: 2");
        assertThat(cli.ok("step", "types").out()).contains("grep_count");
    }

    @Test
    void aMissingPluginDirectoryIsBadInput() {
        CliHarness.Result r = cli.run("--plugins", dir.resolve("nope").toString(), "step", "types");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--plugins").contains("nope");
    }

    @Test
    void runAllRunsWhatItCanAndNamesTheTaskItCannot() {
        String p = plugins.toString();
        cli.ok("task", "create", "--name", "first", "--local-path", dir.toString());
        cli.ok("step", "create", "--task", "first", "--title", "Notes exist", "--settings", "{\"file_exists\": \"notes.txt\"}");
        cli.ok("--plugins", p, "task", "create", "--name", "cycle", "--local-path", dir.toString());
        cli.ok("--plugins", p, "step", "create", "--task", "cycle", "--title", "X", "--settings", SETTINGS);
        int x = cli.api.steps(cli.api.task("cycle").id()).get(0).id();
        cli.ok("--plugins", p, "step", "create", "--task", "cycle", "--title", "Y", "--settings",
                "{\"grep_count\": {\"file\": \"notes.txt\", \"pattern\": \"a\", \"depends_on\": [{\"id\": " + x + "}]}}");
        int y = x + 1;
        // stored by other means than task-sync (which refuses cycles): X and Y wait for each other
        Rows.execute(cli.api, "UPDATE ${schema}.steps SET settings = '{\"grep_count\": {\"file\": \"notes.txt\", "
                + "\"pattern\": \"a\", \"depends_on\": [{\"id\": " + y + "}]}}' WHERE id = " + x);
        Rows.execute(cli.api, "INSERT INTO ${schema}.step_dependencies (step_id, depends_on_id) VALUES (" + x + ", " + y + ")");
        cli.ok("task", "create", "--name", "last", "--local-path", dir.toString());
        cli.ok("step", "create", "--task", "last", "--title", "Notes again", "--settings", "{\"file_exists\": \"notes.txt\"}");

        CliHarness.Result all = cli.run("--plugins", p, "run", "--all");
        assertThat(all.code()).as(all.toString()).isEqualTo(1);
        assertThat(cli.api.steps(cli.api.task("first").id()).get(0).status().dbValue()).isEqualTo("completed");
        assertThat(cli.api.steps(cli.api.task("last").id()).get(0).status().dbValue()).isEqualTo("completed");
        assertThat(all.out()).contains("1 task could not run:").containsPattern("'cycle': .*cycle");
        assertThat(all.err()).contains("Task " + cli.api.task("cycle").id() + " 'cycle' cannot run");
    }

    @Test
    void aWorkerRunsPluginSteps() throws Exception {
        String p = plugins.toString();
        cli.ok("--plugins", p, "task", "create", "--name", "grep", "--local-path", dir.toString());
        cli.ok("--plugins", p, "step", "create", "--task", "grep", "--title", "Count TODOs", "--settings", SETTINGS);
        cli.ok("--plugins", p, "submit", "--task", "grep");
        int stepId = cli.api.steps(cli.api.task("grep").id()).get(0).id();
        Thread worker = new Thread(() -> cli.run("--plugins", p, "worker", "--concurrency", "1", "--grace", "1"));
        worker.start();
        try {
            await("the worker completed the step", () -> cli.api.step(stepId).status() == StepStatus.COMPLETED);
            assertThat(cli.api.step(stepId).status().dbValue()).isEqualTo("completed");
            assertThat(cli.api.step(stepId).results().get("count").asInt()).isEqualTo(2);
        } finally {
            worker.interrupt();
            worker.join(30_000);
        }
    }

    @Test
    void aFailedStepThatWillBeRetriedSaysSo() {
        String p = plugins.toString();
        cli.ok("--plugins", p, "task", "create", "--name", "flaky", "--local-path", dir.toString());
        cli.ok("--plugins", p, "step", "create", "--task", "flaky", "--title", "Flaky test", "--settings",
                "{\"grep_count\": {\"file\": \"missing.txt\", \"pattern\": \"x\", \"retries\": 1}}");
        int id = cli.api.steps(cli.api.task("flaky").id()).get(0).id();
        CliHarness.Result r = cli.run("--plugins", p, "run", "--task", "flaky");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("[0/1] failed    " + id + " 'Flaky test' in ")
                .contains(", retrying in 1 s (attempt 1 of 2): ")
                .containsPattern("\\[1/1\\] failed    " + id + " 'Flaky test' in [0-9.]+s: ")
                .doesNotContain("[1/2]").doesNotContain("] new ");
    }

    @Test
    void aRunCancelledFromElsewhereSaysCancelledAndExitsWith3() throws Exception {
        String p = plugins.toString();
        cli.ok("--plugins", p, "task", "create", "--name", "demo", "--local-path", dir.toString());
        cli.ok("--plugins", p, "step", "create", "--task", "demo", "--title", "Quick", "--settings", SETTINGS);
        cli.ok("--plugins", p, "step", "create", "--task", "demo", "--title", "Slow", "--settings",
                "{\"grep_count\": {\"file\": \"notes.txt\", \"pattern\": \"WAIT\"}}");
        int slow = cli.api.steps(cli.api.task("demo").id()).get(1).id();
        cli.ok("--plugins", p, "step", "create", "--task", "demo", "--title", "After", "--settings",
                "{\"grep_count\": {\"file\": \"notes.txt\", \"pattern\": \"a\", \"depends_on\": [{\"id\": " + slow + "}]}}");
        AtomicReference<CliHarness.Result> result = new AtomicReference<>();
        Thread run = new Thread(() -> result.set(cli.run("--plugins", p, "run", "--task", "demo", "--concurrency", "2")));
        run.start();
        await("the slow step running", () -> cli.api.step(slow).status() == StepStatus.ACTIVE);
        cli.ok("cancel", "--task", "demo");
        run.join(60_000);
        CliHarness.Result r = result.get();
        assertThat(r).isNotNull();
        assertThat(r.code()).as(r.toString()).isEqualTo(3);
        assertThat(r.out()).contains("'demo' CANCELLED: 1 completed, 0 failed, 0 skipped, 2 cancelled;");
        assertThat(cli.ok("task", "show", "demo").out()).contains("cancelled");
    }
}
