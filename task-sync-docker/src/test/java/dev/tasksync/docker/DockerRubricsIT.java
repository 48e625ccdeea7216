package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.RunResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class DockerRubricsIT extends DockerITBase {

    private void submission() throws IOException {
        write("submission/solution.sh", "#!/bin/sh\necho 42\n");
        dir.resolve("submission/solution.sh").toFile().setExecutable(true);
        write("submission/docs/README.md", "# Solution\n");
        write("notes.txt", "not copied\n");
    }

    /** Settings of a docker_rubrics step grading submission/ in {@link #image}; {@code fields} are the rest of its fields. */
    private String grading(String fields) {
        return "{\"docker_rubrics\": {\"image_tag\": \"" + image + "\", \"files\": [\"submission/\"], " + fields + "}}";
    }

    /** A task of the submission with one step, "grade", of {@link #grading} these {@code fields}. */
    private Task graded(String fields) throws IOException {
        submission();
        Task t = task();
        step(t, "grade", grading(fields));
        return t;
    }

    /** A file outside the local path holding {@code content}, and a symbolic link to it at {@code link} inside. */
    private Path linkedOutside(Path outside, String file, String content, String link) throws IOException {
        Path target = outside.resolve(file);
        Files.writeString(target, content);
        Files.createSymbolicLink(dir.resolve(link), target);
        return target;
    }

    @Test
    void gradesInlineCriteriaAgainstTheCopiedFiles() throws IOException {
        Task t = graded("\"criteria\": ["
                + "{\"id\": \"runs\", \"title\": \"Prints the answer\", \"command\": \"[ \\\"$(./submission/solution.sh)\\\" = 42 ]\", \"points\": 3, \"required\": true},"
                + "{\"id\": \"docs\", \"title\": \"Has docs\", \"command\": \"test -f submission/docs/README.md\", \"points\": 1},"
                + "{\"id\": \"tests\", \"title\": \"Has tests\", \"command\": \"ls submission/tests\", \"points\": 2},"
                + "{\"id\": \"where\", \"command\": \"pwd; test ! -e notes.txt\", \"points\": 0.5}"
                + "]");
        RunResult r = ts.run(t.id());
        assertThat(result(r, "grade").status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
        JsonNode res = results(r, "grade");
        assertThat(res.get("score").asDouble()).isEqualTo(4.5);
        assertThat(res.get("max_score").asDouble()).isEqualTo(6.5);
        assertThat(res.get("passed_count").asInt()).isEqualTo(3);
        assertThat(res.get("passed").asBoolean()).isTrue();
        JsonNode c = res.get("criteria");
        assertThat(c.get(0).get("title").asText()).isEqualTo("Prints the answer");
        assertThat(c.get(0).get("points").asDouble()).isEqualTo(3);
        assertThat(c.get(2).get("passed").asBoolean()).isFalse();
        assertThat(c.get(2).get("exit_code").asInt()).isNotZero();
        assertThat(c.get(2).get("points").asDouble()).isZero();
        assertThat(c.get(2).get("output").asText()).contains("No such file");
        assertThat(c.get(3).get("output").asText()).startsWith("/workspace\n");
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }

    @Test
    void aFailedRequiredCriterionFailsTheStepButEveryCriterionIsGraded() throws IOException {
        Task t = graded("\"workspace\": \"/srv/grading\", \"criteria\": ["
                + "{\"id\": \"compiles\", \"command\": \"test -f submission/Makefile\", \"points\": 2, \"required\": true},"
                + "{\"id\": \"docs\", \"command\": \"test -f /srv/grading/submission/docs/README.md\"}]");
        RunResult r = ts.run(t.id());
        assertThat(result(r, "grade").status()).isEqualTo(StepStatus.FAILED);
        JsonNode res = results(r, "grade");
        assertThat(res.get("error").asText()).contains("required criteria failed: compiles").contains("score 1/3");
        assertThat(res.get("criteria")).hasSize(2);
        assertThat(res.get("criteria").get(1).get("passed").asBoolean()).isTrue();
        assertThat(res.get("passed").asBoolean()).isFalse();
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }

    @Test
    void markdownAndJsonRubricFilesAreReEvaluatedOnlyWhenAWatchedFileChanges() throws IOException {
        submission();
        write("rubric.md", """
                # Rubric
                - [ ] Prints 42 (2 points, required): `./submission/solution.sh | grep -qx 42`
                - [ ] Has a README (1 point): `test -s submission/docs/README.md`
                """);
        write("rubric.json", "{\"criteria\": [{\"id\": \"exec\", \"command\": \"test -x submission/solution.sh\", \"points\": 5}]}");
        Task t = task();
        step(t, "md", grading("\"rubric\": \"rubric.md\""));
        step(t, "json", grading("\"rubric\": \"rubric.json\""));
        RunResult first = ts.run(t.id());
        assertThat(first.succeeded()).as(first.toString()).isTrue();
        assertThat(results(first, "md").get("score").asDouble()).isEqualTo(3);
        assertThat(results(first, "md").get("criteria").get(0).get("id").asText()).isEqualTo("prints_42");
        assertThat(results(first, "json").get("score").asDouble()).isEqualTo(5);
        assertThat(results(first, "md").get("file_hashes").has("rubric.md")).isTrue();

        write("notes.txt", "unwatched change\n");
        RunResult second = ts.run(t.id());
        assertThat(result(second, "md").executed()).isFalse();
        assertThat(result(second, "json").executed()).isFalse();

        write("submission/solution.sh", "#!/bin/sh\necho 41\n");
        RunResult third = ts.run(t.id());
        assertThat(result(third, "md").executed()).isTrue();
        assertThat(result(third, "md").status()).isEqualTo(StepStatus.FAILED);
        assertThat(results(third, "md").get("score").asDouble()).isEqualTo(1);
        assertThat(result(third, "json").executed()).isTrue();

        write("rubric.md", "- [ ] Prints 41: `./submission/solution.sh | grep -qx 41`\n");
        RunResult fourth = ts.run(t.id());
        assertThat(result(fourth, "md").status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(result(fourth, "json").executed()).isFalse();
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }

    @Test
    void usesTheUpstreamBuildsImageAndTimesOutASlowCriterion() throws IOException {
        DockerTestSupport.context(dir, "RUN mkdir -p /opt && echo grader > /opt/who");
        write("answer.txt", "yes\n");
        Task t = task();
        buildStep(t, "tsd-grader-it:1", "Dockerfile");
        step(t, "grade", "{\"docker_rubrics\": {\"files\": [\"answer.txt\"], \"criterion_timeout_seconds\": 1, \"criteria\": ["
                + "{\"id\": \"image\", \"command\": \"grep -q grader /opt/who\"},"
                + "{\"id\": \"slow\", \"command\": \"sleep 30\", \"points\": 4},"
                + "{\"id\": \"answer\", \"command\": \"grep -q yes answer.txt\"}], \"depends_on\": [{\"id\": 1}]}}");
        try {
            RunResult r = ts.run(t.id());
            assertThat(result(r, "grade").status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
            JsonNode res = results(r, "grade");
            assertThat(res.get("image").asText()).isEqualTo(results(r, "build").get("image_id").asText());
            assertThat(res.get("criteria").get(1).get("timed_out").asBoolean()).isTrue();
            assertThat(res.get("criteria").get(2).get("passed").asBoolean()).isTrue();
            assertThat(res.get("score").asDouble()).isEqualTo(2);
            assertThat(res.get("max_score").asDouble()).isEqualTo(6);
            assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
        } finally {
            DockerTestSupport.removeImage(docker, "tsd-grader-it:1");
        }
    }

    @Test
    void aSymbolicLinkOutOfTheLocalPathIsHashedAndCopiedAsALinkNeverFollowed(@TempDir Path outside)
            throws IOException {
        submission();
        Path secret = linkedOutside(outside, "secret.txt", "TOP-SECRET-LINE\n", "submission/secret");
        Task t = task();
        step(t, "grade", grading("\"criteria\": ["
                + "{\"id\": \"leak\", \"command\": \"cat submission/secret; ls -l submission/\"},"
                + "{\"id\": \"link\", \"command\": \"test -L submission/secret && [ \\\"$(readlink submission/secret)\\\" = '" + secret + "' ]\"}"
                + "]"));
        RunResult r = ts.run(t.id());
        JsonNode res = results(r, "grade");
        assertThat(res.toString()).doesNotContain("TOP-SECRET-LINE");
        assertThat(res.get("criteria").get(1).get("passed").asBoolean()).as(res.toString()).isTrue();
        // What was copied (the link) is what the fingerprint covers.
        assertThat(res.get("file_hashes").has("submission/secret")).as(res.toString()).isTrue();
        Files.writeString(secret, "CHANGED\n");
        assertThat(ts.plan(t.id()).toRun()).isEmpty();
    }

    @Test
    void filesLeftOutOfTheFingerprintByIgnoreGlobsAreNotCopied() throws IOException {
        submission();
        write("submission/scratch.tmp", "noise\n");
        try (TaskSync ignoring = TestDatabase.builder().ignoreFiles("**/*.tmp")
                .stepType(DockerStepTypes.all(docker)).build()) {
            Task t = ignoring.createTask("ignore-" + System.nanoTime(), "new", dir.toString());
            ignoring.createStep(t.id(), "grade", grading("\"criteria\": [{\"id\": \"copied\", "
                    + "\"command\": \"test -f submission/solution.sh && test ! -e submission/scratch.tmp\"}]"));
            RunResult r = ignoring.run(t.id());
            JsonNode res = results(r, "grade");
            assertThat(res.get("file_hashes").has("submission/scratch.tmp")).isFalse();
            assertThat(res.get("criteria").get(0).get("passed").asBoolean()).as(res.toString()).isTrue();
        }
    }

    @Test
    void aRubricFileThatLinksOutOfTheLocalPathIsNotRead(@TempDir Path outside)
            throws IOException {
        Task t = graded("\"rubric\": \"rubric.md\"");
        linkedOutside(outside, "secret.md", "- [ ] TOP-SECRET-LINE: `true`\n", "rubric.md");
        RunResult r = ts.run(t.id());
        assertThat(result(r, "grade").status()).isEqualTo(StepStatus.FAILED);
        JsonNode res = results(r, "grade");
        assertThat(res.get("error").asText()).contains("'rubric.md'").contains("symbolic link").contains("allow_outside");
        assertThat(res.toString()).doesNotContain("TOP-SECRET-LINE");
    }

    @Test
    void aPathOutsideTheLocalPathIsRefusedUnlessTheStepAllowsIt(@TempDir Path outside)
            throws IOException {
        Files.writeString(outside.resolve("secret.txt"), "TOP-SECRET-LINE\n");
        String rel = dir.relativize(outside.resolve("secret.txt")).toString();
        Task t = task();
        step(t, "refused", "{\"docker_rubrics\": {\"image_tag\": \"" + image + "\", \"files\": [\"" + rel + "\"], \"criteria\": ["
                + "{\"id\": \"leak\", \"command\": \"cat *\"}]}}");
        step(t, "allowed", "{\"docker_rubrics\": {\"image_tag\": \"" + image + "\", \"files\": [\"" + rel + "\"], \"allow_outside\": true, \"criteria\": ["
                + "{\"id\": \"read\", \"command\": \"grep -q TOP-SECRET secret.txt\"}]}}");
        RunResult r = ts.run(t.id());
        assertThat(result(r, "refused").status()).isEqualTo(StepStatus.FAILED);
        JsonNode refused = results(r, "refused");
        assertThat(refused.get("error").asText()).contains("'" + rel + "'").contains("outside").contains("\"allow_outside\": true");
        assertThat(refused.toString()).doesNotContain("TOP-SECRET-LINE");
        assertThat(refused.get("file_hashes").has(rel)).as("not read, so not hashed").isFalse();
        assertThat(result(r, "allowed").status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
        assertThat(results(r, "allowed").get("file_hashes").get(rel).asText()).hasSize(64);
    }

    @Test
    void missingFilesAndRubricsAreNamed() {
        Task t = task();
        step(t, "no files", "{\"docker_rubrics\": {\"image_tag\": \"" + image + "\", \"files\": [\"absent.py\"], \"criteria\": [{\"command\": \"true\"}]}}");
        step(t, "no rubric", "{\"docker_rubrics\": {\"image_tag\": \"" + image + "\", \"files\": [], \"rubric\": \"absent.md\"}}");
        RunResult r = ts.run(t.id());
        assertThat(results(r, "no files").get("error").asText()).contains("absent.py");
        assertThat(results(r, "no rubric").get("error").asText()).contains("rubric file not found").contains("absent.md");
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }
}
