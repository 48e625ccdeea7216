package dev.tasksync;

import dev.tasksync.testing.TestFiles;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Watch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import dev.tasksync.internal.hashing.FileHasher;

import static org.assertj.core.api.Assertions.assertThat;

/** A step runs again only when what it depends on changed; plan() says so first, and run() agrees. */
class IncrementalIT {
    @TempDir
    Path dir;
    TaskSync ts;
    Task task;

    @BeforeEach
    void setUp() throws Exception {
        write("a.txt", "alpha");
        write("b.txt", "beta");
        write("src/c.txt", "gamma");
        write("src/deep/d.txt", "delta");
        ts = TestDatabase.builder().stepType(new TestSteps.WatchType()).build();
        task = ts.save(TaskDefinition.named("incremental").localPath(dir)
                .step("A", Watch.of("a.txt"))
                .step("B", Watch.of("b.txt")).dependsOn("A")
                .step("C", Watch.of("src")).dependsOn("B")
                .step("D", Watch.of())
                .build());
        assertThat(planAndRun()).containsExactlyInAnyOrder("A", "B", "C", "D");
    }

    @AfterEach
    void close() {
        ts.close();
    }

    private void write(String path, String content) throws Exception {
        Path p = TestFiles.write(dir, path, content);
        // An old timestamp keeps the hash cache out of its racy window, as for files edited long ago.
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
    }

    private Map<String, String> reasons() {
        return ts.plan(task.id()).steps().stream()
                .collect(Collectors.toMap(Plan.PlannedStep::title, Plan.PlannedStep::reason));
    }

    /** Plans, runs, checks the run executed exactly what the plan said, and returns those titles. */
    private List<String> planAndRun() {
        Plan plan = ts.plan(task.id());
        RunResult run = ts.run(task.id());
        List<String> planned = plan.toRun().stream().map(Plan.PlannedStep::title).sorted().toList();
        List<String> executed = run.steps().stream().filter(StepResult::executed).map(StepResult::title).sorted().toList();
        assertThat(executed).as("run agrees with plan %s", plan).isEqualTo(planned);
        assertThat(run.succeeded()).isTrue();
        return executed;
    }

    @Test
    void nothingChangedNothingRuns() {
        assertThat(reasons()).containsValues("up to date").doesNotContainValue("never ran");
        assertThat(planAndRun()).isEmpty();
        RunResult again = ts.run(task.id());
        assertThat(again.steps()).allMatch(s -> s.results().get("up_to_date").asBoolean());
    }

    @Test
    void changingOneWatchedFileRunsThatStepAndItsDownstream() throws Exception {
        write("b.txt", "beta 2");
        assertThat(reasons()).containsEntry("A", "up to date").containsEntry("B", "file b.txt changed")
                .containsEntry("C", "upstream 'B' will run").containsEntry("D", "up to date");
        assertThat(planAndRun()).containsExactly("B", "C");
        assertThat(planAndRun()).isEmpty();
    }

    @Test
    void aFileDeepInAWatchedDirectoryCounts() throws Exception {
        write("src/deep/d.txt", "delta 2");
        assertThat(reasons()).containsEntry("C", "file src/deep/d.txt changed");
        assertThat(planAndRun()).containsExactly("C");
    }

    @Test
    void touchingAFileWithoutChangingItRunsNothing() throws Exception {
        Files.setLastModifiedTime(dir.resolve("a.txt"), FileTime.from(Instant.now().minusSeconds(5)));
        assertThat(planAndRun()).isEmpty();
    }

    @Test
    void deletingOrRenamingAWatchedFileRunsTheStepAndNamesTheFile() throws Exception {
        Files.move(dir.resolve("src/c.txt"), dir.resolve("src/c2.txt"));
        assertThat(reasons().get("C")).isIn("file src/c.txt removed", "file src/c2.txt added");
        assertThat(planAndRun()).containsExactly("C");

        Files.delete(dir.resolve("a.txt"));
        assertThat(reasons()).containsEntry("A", "file a.txt missing").containsEntry("B", "upstream 'A' will run");
        assertThat(planAndRun()).containsExactly("A", "B", "C");
    }

    @Test
    void editedSettingsRunThatStepAndItsDownstream() {
        Step b = ts.steps(task.id()).get(1);
        ts.updateStep(b.id(), null, "{\"watch\": {\"files\": [\"b.txt\", \"a.txt\"], \"depends_on\": [{\"id\": " + b.dependsOn().get(0) + "}]}}");
        assertThat(reasons()).containsEntry("B", "settings changed").containsEntry("C", "upstream 'B' will run");
        assertThat(planAndRun()).containsExactly("B", "C");
    }

    @Test
    void forceRunsEverythingAndResetRunsOneStepAndItsDownstream() {
        Plan forced = ts.plan(task.id(), true);
        assertThat(forced.steps()).allMatch(p -> p.willRun() && p.reason().equals("forced"));
        RunResult run = ts.run(task.id(), RunOptions.defaults().withForce(true));
        assertThat(run.steps()).allMatch(StepResult::executed);

        ts.resetStep(ts.steps(task.id()).get(1).id());
        assertThat(reasons()).containsEntry("B", "reset or edited");
        assertThat(planAndRun()).containsExactly("B", "C");
    }

    @Test
    void aFailedStepRunsAgain() throws Exception {
        TaskSync failing = ts;
        Task t = failing.createTask("with-failure", "new", dir.toString());
        Step check = failing.createStep(t.id(), "check", "{\"file_exists\": \"later.txt\"}");
        assertThat(failing.run(t.id()).succeeded()).isFalse();
        assertThat(failing.plan(t.id()).steps().get(0).reason()).isEqualTo("failed last time");
        write("later.txt", "now");
        RunResult r = failing.run(t.id());
        assertThat(r.succeeded()).isTrue();
        assertThat(failing.step(check.id()).attempt()).isEqualTo(2);
    }

    @Test
    void resultsKeepPerFileHashesAsSha256sumPrintsThem() throws Exception {
        Step c = ts.steps(task.id()).get(2);
        var hashes = ts.step(c.id()).results().get("file_hashes");
        assertThat(hashes.size()).isEqualTo(2);
        Process p = new ProcessBuilder("sha256sum", "src/c.txt", "src/deep/d.txt").directory(dir.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isZero();
        for (String line : out.strip().split("\n")) {
            String[] parts = line.split("\\s+");
            assertThat(hashes.get(parts[1]).asText()).isEqualTo(parts[0]);
        }
    }

    @Test
    void unchangedFilesAreNotHashedAgainButRacyOnesAre() throws Exception {
        String a = dir.resolve("a.txt").toAbsolutePath().toString();
        long hashedAt = hashedAt(a);
        ts.run(task.id());
        assertThat(hashedAt(a)).as("size and mtime unchanged: not read again").isEqualTo(hashedAt);

        // Modified "just now": within the racy window, so it is hashed on every look until it settles.
        Files.writeString(dir.resolve("a.txt"), "alpha");
        ts.plan(task.id());
        long first = hashedAt(a);
        assertThat(first).isGreaterThan(hashedAt);
        ts.plan(task.id());
        assertThat(hashedAt(a)).isGreaterThan(first);
    }

    private long hashedAt(String path) {
        return (long) Rows.query(ts, "SELECT hashed_at_ns FROM ${schema}.file_index WHERE path = '" + path + "'")
                .get(0).get("hashed_at_ns");
    }

    @Test
    void symlinksAreHashedAsLinksNeverFollowed(@TempDir Path outside) throws Exception {
        Files.writeString(outside.resolve("secret.txt"), "outside");
        Files.createSymbolicLink(dir.resolve("src/out.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(dir.resolve("src/in.txt"), dir.resolve("a.txt"));
        assertThat(reasons()).containsEntry("C", "file src/in.txt added");
        planAndRun();
        var hashes = ts.steps(task.id()).get(2).results().get("file_hashes");
        assertThat(hashes.get("src/in.txt").asText()).isEqualTo(FileHasher.sha256("symlink:" + dir.resolve("a.txt")));
        assertThat(hashes.get("src/out.txt").asText()).isEqualTo(FileHasher.sha256("symlink:" + outside.resolve("secret.txt")));
        Files.writeString(outside.resolve("secret.txt"), "changed outside");
        assertThat(planAndRun()).isEmpty();
        Files.delete(dir.resolve("src/out.txt"));
        Files.createSymbolicLink(dir.resolve("src/out.txt"), outside);
        assertThat(reasons()).containsEntry("C", "file src/out.txt changed");
    }

    @Test
    void ignoredFilesDoNotCount() throws Exception {
        try (TaskSync ignoring = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(ts.schema())
                .stepType(new TestSteps.WatchType()).ignoreFiles("**/*.tmp", "src/deep/**").build()) {
            // Leaving src/deep out changes C's inputs once.
            assertThat(ignoring.plan(task.id()).steps().get(2).reason()).isEqualTo("file src/deep/d.txt removed");
            ignoring.run(task.id());
            write("src/deep/d.txt", "delta changed");
            write("src/scratch.tmp", "noise");
            assertThat(ignoring.plan(task.id()).toRun()).isEmpty();
        }
    }
}
