package dev.tasksync.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** Every {@code ```java} block of README.md and the module READMEs compiles as written (see {@link ReadmeSnippets}). */
class ReadmeSnippetsTest {
    @TempDir
    Path out;

    @Test
    void everyJavaSnippetCompiles() throws Exception {
        List<ReadmeSnippets.Problem> problems = new ArrayList<>();
        int blocks = 0;
        for (Path readme : ReadmeSnippets.readmes()) {
            List<ReadmeSnippets.Snippet> snippets = ReadmeSnippets.in(readme);
            blocks += snippets.size();
            if (!snippets.isEmpty()) {
                Path dir = Files.createDirectories(out.resolve(ReadmeSnippets.packageFor(readme)));
                problems.addAll(ReadmeSnippets.compile(
                        ReadmeSnippets.sources(ReadmeSnippets.packageFor(readme), snippets, UnaryOperator.identity()), dir));
            }
        }
        assertThat(blocks).as("Java blocks found").isGreaterThanOrEqualTo(10);
        assertThat(problems).as("README snippets that do not compile").isEmpty();
    }

    @Test
    void theQuickStartShowsEveryImportItNeeds() throws Exception {
        ReadmeSnippets.Snippet quickStart = QuickStartIT.quickStart();
        assertThat(quickStart.imports()).isNotEmpty();
        assertThat(quickStart.declaredType()).contains("QuickStart");
    }

    @Test
    void aSnippetThatDoesNotCompileIsNamedByItsReadmeLine() throws Exception {
        Path readme = Files.createDirectories(out.resolve("task-sync-demo")).resolve("README.md");
        Files.writeString(readme, "# demo\n\n<!-- snippet: TaskSync taskSync -->\n```java\nTask task = taskSync.task(1);\n"
                + "task.noSuchMethod();\n```\n\n```java\nimport dev.tasksync.TaskSync;\n\nclass Missing { Task t; }\n```\n");
        List<ReadmeSnippets.Snippet> snippets = ReadmeSnippets.in(readme);
        assertThat(snippets).extracting(ReadmeSnippets.Snippet::line).containsExactly(5, 10);
        List<ReadmeSnippets.Problem> problems = ReadmeSnippets.compile(
                ReadmeSnippets.sources("snippets.demo", snippets, UnaryOperator.identity()), Files.createDirectories(out.resolve("classes")));
        problems.sort(java.util.Comparator.comparing(ReadmeSnippets.Problem::where).reversed());
        assertThat(problems).extracting(ReadmeSnippets.Problem::where)
                .containsExactly("README.md:6 (task-sync-demo/README.md:5)", "README.md:12 (task-sync-demo/README.md:10)");
        assertThat(problems.get(0).message()).contains("noSuchMethod");
        // the second block shows its imports: Task is not among them, and no default imports are added
        assertThat(problems.get(1).message()).contains("cannot find symbol").contains("Task");
    }
}
