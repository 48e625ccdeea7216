package dev.tasksync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.internal.hashing.FileHasher;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import dev.tasksync.steps.FileExists;

import static org.assertj.core.api.Assertions.assertThat;

/** file_exists reads nothing outside the task's local_path unless the step says "allow_outside": true. */
class LocalPathIT {
    @TempDir
    Path dir;
    @TempDir
    Path outside;
    TaskSync ts;
    Path secret;
    String rel;

    @BeforeEach
    void setUp() throws Exception {
        ts = TestDatabase.builder().build();
        secret = outside.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET-LINE\n");
        rel = dir.relativize(secret).toString();
    }

    @AfterEach
    void close() {
        ts.close();
    }

    private StepResult runOne(String settings) {
        Task t = ts.createTask("local-path-" + System.nanoTime(), "new", dir.toString());
        ts.createStep(t.id(), "check", settings);
        return ts.run(t.id()).step("check").orElseThrow();
    }

    /** "." means the directory it was typed in: stored absolute and normalised, not resolved again by each runner. */
    @Test
    void aRelativeLocalPathIsStoredAbsoluteByCreateUpdateAndSave() {
        Path cwd = Path.of("").toAbsolutePath();
        Task created = ts.createTask("rel-" + System.nanoTime(), "new", ".");
        assertThat(created.localPath()).isEqualTo(cwd.toString());
        assertThat(ts.task(created.id()).localPath()).isEqualTo(cwd.toString());

        Task updated = ts.updateTask(created.id(), "new", "sub/../other/./dir/");
        assertThat(updated.localPath()).isEqualTo(cwd.resolve("other/dir").toString());

        Task saved = ts.save(TaskDefinition.named("saved-" + System.nanoTime()).localPath("x/..")
                .step("check", FileExists.of("a")).build());
        assertThat(saved.localPath()).isEqualTo(cwd.toString());

        // absolute paths are normalised too; no path stays no path (the runner's directory)
        assertThat(ts.createTask("abs-" + System.nanoTime(), "new", dir + "/a/../b").localPath())
                .isEqualTo(dir.resolve("b").toString());
        assertThat(ts.createTask("none-" + System.nanoTime(), "new", null).localPath()).isNull();
    }

    @Test
    void aPathOutsideTheLocalPathIsRefusedAndNotHashed() {
        String sha = FileHasher.sha256(secret);
        for (String path : new String[] {rel, secret.toString()}) {
            StepResult r = runOne("{\"file_exists\": \"" + path + "\"}");
            assertThat(r.status()).as(path).isEqualTo(StepStatus.FAILED);
            assertThat(r.results().get("error").asText()).contains("'" + path + "'").contains("outside")
                    .contains("\"allow_outside\": true");
            assertThat(r.results().toString()).doesNotContain(sha);
        }
    }

    @Test
    void theObjectFormWithAllowOutsideReadsIt() {
        StepResult r = runOne("{\"file_exists\": {\"paths\": [\"" + rel + "\"], \"allow_outside\": true}}");
        assertThat(r.status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
        assertThat(r.results().get("file_hashes").get(rel).asText()).isEqualTo(FileHasher.sha256(secret));
    }

    @Test
    void aParentDirectoryThatLinksOutIsRefused() throws Exception {
        Files.createSymbolicLink(dir.resolve("out"), outside);
        StepResult r = runOne("{\"file_exists\": \"out/secret.txt\"}");
        assertThat(r.status()).isEqualTo(StepStatus.FAILED);
        assertThat(r.results().get("error").asText()).contains("'out/secret.txt'").contains("symbolic link");
        assertThat(r.results().toString()).doesNotContain(FileHasher.sha256(secret));
    }

    @Test
    void aLinkOutOfTheLocalPathIsHashedAsTheLinkNotItsTarget() throws Exception {
        Files.createSymbolicLink(dir.resolve("link"), secret);
        StepResult r = runOne("{\"file_exists\": \"link\"}");
        assertThat(r.status()).isEqualTo(StepStatus.COMPLETED);
        JsonNode hashes = r.results().get("file_hashes");
        assertThat(hashes.get("link").asText()).isEqualTo(FileHasher.sha256("symlink:" + secret))
                .isNotEqualTo(FileHasher.sha256(secret));
    }

    @Test
    void theObjectFormCarriesDependsOn() throws Exception {
        Files.writeString(dir.resolve("a.txt"), "a");
        Task t = ts.createTask("depends-" + System.nanoTime(), "new", dir.toString());
        Step a = ts.createStep(t.id(), "A", "{\"file_exists\": \"a.txt\"}");
        Step b = ts.createStep(t.id(), "B", "{\"file_exists\": {\"paths\": [\"a.txt\"], \"depends_on\": [{\"id\": " + a.id() + "}]}}");
        assertThat(ts.step(b.id()).dependsOn()).containsExactly(a.id());
        assertThat(ts.run(t.id()).succeeded()).isTrue();
    }
}
