package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `task-sync report`: the grading matrix of a docker_rubrics step graded for real (a busybox image built by a
 * docker_build step of the same task), as a table, Markdown and JSON.
 */
class GradingReportCliIT {
    private static final String IMAGE = "tsd-grading19-report:it";
    private CliHarness cli;

    @TempDir
    Path dir;

    @BeforeEach
    void open() {
        Path busybox = Path.of("/bin/busybox");
        boolean required = "true".equalsIgnoreCase(System.getenv("TASKSYNC_REQUIRE_DOCKER"));
        if (!required) {
            Assumptions.assumeTrue(Files.isRegularFile(busybox), "no busybox");
        }
        cli = new CliHarness();
    }

    @AfterEach
    void close() throws Exception {
        if (cli != null) {
            cli.close();
        }
        new ProcessBuilder("docker", "rmi", "-f", IMAGE).redirectErrorStream(true).start().waitFor();
    }

    private void write(String path, String content) throws IOException {
        TestFiles.write(dir, path, content);
    }

    @Test
    void printsTheMatrixWithBaselinesTotalsAndFlags() throws Exception {
        Files.copy(Path.of("/bin/busybox"), dir.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
        write("Dockerfile", "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n");
        write("app/answer.txt", "41\n");
        write("golden.patch", "--- a/app/answer.txt\n+++ b/app/answer.txt\n@@ -1 +1 @@\n-41\n+42\n");
        write("solutions/alice.patch", "--- a/app/answer.txt\n+++ b/app/answer.txt\n@@ -1 +1 @@\n-41\n+43\n");
        write("solutions/bob.patch", "--- a/app/answer.txt\n+++ b/app/answer.txt\n@@ -1 +1 @@\n-40\n+42\n");
        cli.ok("task", "create", "--name", "grading", "--local-path", dir.toString());
        cli.ok("step", "create", "--task", "grading", "--title", "Build", "--settings",
                "{\"docker_build\": {\"image_tag\": \"" + IMAGE + "\", \"files\": [\"Dockerfile\", \"busybox\"]}}");
        cli.ok("step", "create", "--task", "grading", "--title", "Grade", "--settings",
                "{\"docker_rubrics\": {\"files\": [\"app/\"], \"solutions\": \"solutions/*.patch\", \"golden\": \"golden.patch\","
                        + " \"original\": true, \"depends_on\": [{\"id\": 1}], \"criteria\": ["
                        + "{\"id\": \"exists\", \"command\": \"test -f app/answer.txt\", \"points\": 1, \"required\": true},"
                        + "{\"id\": \"answer\", \"command\": \"grep -qx 42 app/answer.txt\", \"points\": 3},"
                        + "{\"id\": \"slow\", \"command\": \"sleep 30\", \"points\": 1}],"
                        + " \"criterion_timeout_seconds\": 2}}");
        cli.ok("run", "--task", "grading");

        String table = cli.ok("report", "--task", "grading").out();
        assertThat(table).contains("Step 2 'Grade'");
        assertThat(table.lines().filter(l -> l.startsWith("criterion")).findFirst().orElseThrow())
                .containsSubsequence("points", "alice", "bob", "O", "G");
        assertThat(table.lines().filter(l -> l.startsWith("answer")).findFirst().orElseThrow())
                .containsSubsequence("3", "✘", "?", "✘", "✔");
        assertThat(table.lines().filter(l -> l.startsWith("exists")).findFirst().orElseThrow())
                .containsSubsequence("1 required", "✔", "?", "✔", "✔");
        assertThat(table.lines().filter(l -> l.startsWith("slow")).findFirst().orElseThrow())
                .containsSubsequence("⏱", "?", "⏱", "⏱");
        assertThat(table.lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow())
                .containsSubsequence("1/5", "0/5 !", "1/5", "4/5");
        assertThat(table).contains("broken (fail on golden): slow").contains("does_not_discriminate (pass on original): exists")
                .contains("bob: patch bob.patch does not apply");

        String markdown = cli.ok("report", "--task", "grading", "--markdown").out();
        assertThat(markdown).contains("### Step 2 'Grade'").contains("| criterion | points | alice | bob | O | G |")
                .contains("| answer | 3 | ✘ | ? | ✘ | ✔ |").contains("- **broken** (fail on golden): slow");

        JsonNode json = cli.ok("report", "--task", "grading", "--json").json();
        JsonNode step = json.get("steps").get(0);
        assertThat(step.get("rows").get(1).get("cells").get("golden").asText()).isEqualTo("passed");
        assertThat(step.get("rows").get(2).get("cells").get("alice").asText()).isEqualTo("timed_out");
        assertThat(step.get("columns").get(1).get("error").asText()).contains("does not apply");

        CliHarness.Result both = cli.run("report", "--task", "grading", "--json", "--markdown");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--json").contains("--markdown");
    }
}
