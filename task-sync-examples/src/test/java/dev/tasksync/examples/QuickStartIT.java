package dev.tasksync.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Quick start, compiled from the README and run against the test database (its one
 * {@code TaskSync.embedded()} becomes {@code TestDatabase.open()}): it prints each step's status as the
 * CLI does.
 */
class QuickStartIT {
    @TempDir
    Path out;

    static ReadmeSnippets.Snippet quickStart() throws Exception {
        Path readme = ReadmeSnippets.root().resolve("README.md");
        List<String> lines = Files.readAllLines(readme);
        int section = lines.indexOf("## Quick start");
        assertThat(section).as("the README's Quick start section").isNotNegative();
        return ReadmeSnippets.in(readme).stream().filter(s -> s.line() > section).findFirst().orElseThrow();
    }

    @Test
    void theQuickStartRuns() throws Exception {
        ReadmeSnippets.Snippet quickStart = quickStart();
        assertThat(quickStart.text()).contains("TaskSync.embedded()");
        var sources = ReadmeSnippets.sources("snippets.quickstart", List.of(quickStart),
                body -> body.replace("TaskSync.embedded()", "dev.tasksync.testing.TestDatabase.open()"));
        assertThat(ReadmeSnippets.compile(sources, out)).isEmpty();

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass(sources.get(0).className()).getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(stdout);
        }
        // run from this module's directory, whose pom.xml and src/main/java the Quick start checks
        assertThat(printed.toString(StandardCharsets.UTF_8).lines())
                .containsExactly("Check the build file: completed", "Check the sources: completed");
    }
}
