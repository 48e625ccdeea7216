package dev.tasksync;

import dev.tasksync.internal.store.Database;
import dev.tasksync.testing.TestFiles;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Watch;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.concurrent.CountDownLatch;

import static dev.tasksync.internal.store.jooq.Tables.FILE_INDEX;
import static org.assertj.core.api.Assertions.assertThat;

/** TaskSync.watch: a change of a watched path re-runs the steps it affects, once per settled burst of changes. */
class WatchIT {
    /** Long enough that nothing waits on a fixed time: every wait below ends on an event, this is its deadline. */
    static final long DEADLINE_SECONDS = 60;

    @TempDir
    Path dir;
    TaskSync ts;
    Task task;
    final BlockingQueue<RunResult> runs = new LinkedBlockingQueue<>();
    final BlockingQueue<List<String>> changes = new LinkedBlockingQueue<>();
    final BlockingQueue<String> plans = new LinkedBlockingQueue<>();

    final WatchListener listener = new WatchListener() {
        @Override
        public void willRun(Plan plan, List<String> changed) {
            changes.add(changed);
            plans.add(plan.toRun().stream().map(p -> p.title() + ": " + p.reason()).sorted().toList().toString());
        }

        @Override
        public void ran(RunResult result) {
            runs.add(result);
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        write("a.txt", "alpha");
        write("b.txt", "beta");
        write("src/c.txt", "gamma");
        ts = TestDatabase.builder().stepType(new TestSteps.WatchType()).build();
        task = ts.save(TaskDefinition.named("watched").localPath(dir)
                .step("A", Watch.of("a.txt"))
                .step("B", Watch.of("b.txt"))
                .step("C", Watch.of("src"))
                .step("D", Watch.of()).dependsOn("B")
                .build());
    }

    @AfterEach
    void close() {
        ts.close();
    }

    private Path write(String path, String content) throws Exception {
        return TestFiles.write(dir, path, content);
    }

    private TaskWatch watch(Duration debounce) throws Exception {
        TaskWatch watch = ts.watch(task.id(), WatchOptions.defaults().withDebounce(debounce).withListener(listener));
        assertThat(executed(next())).containsExactly("A", "B", "C", "D"); // the first run
        changes.clear();
        plans.clear();
        return watch;
    }

    private RunResult next() throws InterruptedException {
        RunResult r = runs.poll(DEADLINE_SECONDS, TimeUnit.SECONDS);
        assertThat(r).as("a run within %s s", DEADLINE_SECONDS).isNotNull();
        return r;
    }

    private static List<String> executed(RunResult r) {
        return r.steps().stream().filter(StepResult::executed).map(StepResult::title).sorted().toList();
    }

    @Test
    void aChangedFileReRunsOnlyTheStepsItAffects() throws Exception {
        try (TaskWatch watch = watch(Duration.ofMillis(300))) {
            assertThat(watch.paths()).contains(dir.resolve("a.txt").toRealPath(), dir.resolve("src").toRealPath());
            write("b.txt", "beta, edited");
            RunResult r = next();
            assertThat(executed(r)).containsExactly("B", "D");
            assertThat(r.steps()).filteredOn(s -> !s.executed()).extracting(StepResult::title).containsExactlyInAnyOrder("A", "C");
            assertThat(changes.poll()).containsExactly("b.txt");
            assertThat(plans.poll()).isEqualTo("[B: file b.txt changed, D: upstream 'B' will run]");
            assertThat(watch.runs()).isEqualTo(2);
        }
    }

    @Test
    void aWatchedDirectoryDeletedAndCreatedAgainIsSeenBothTimes() throws Exception {
        try (TaskWatch watch = watch(Duration.ofMillis(300))) {
            try (Stream<Path> files = Files.walk(dir.resolve("src"))) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            assertThat(executed(next())).containsExactly("C");
            write("src/deep/new.txt", "new");
            assertThat(executed(next())).containsExactly("C");
            // The new subdirectory is watched too.
            write("src/deep/new.txt", "newer");
            assertThat(executed(next())).containsExactly("C");
        }
    }

    @Test
    void aBurstOfAThousandWritesGivesOneRun() throws Exception {
        // A debounce above the longest pause a busy machine puts between two writes of the loop.
        try (TaskWatch watch = watch(Duration.ofSeconds(2))) {
            for (int i = 0; i < 1000; i++) {
                write("a.txt", "alpha " + i);
            }
            assertThat(executed(next())).containsExactly("A");
            // A marker change after the burst: its run comes next, so no run of the burst came in between.
            write("src/c.txt", "gamma, edited");
            assertThat(executed(next())).containsExactly("C");
            assertThat(watch.runs()).isEqualTo(3);
        }
    }

    /** Sets a file's modification time an hour back: long past the file index's racy window once it is hashed. */
    private FileTime anHourAgo(String path) throws Exception {
        FileTime past = FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS));
        Files.setLastModifiedTime(dir.resolve(path), past);
        return past;
    }

    @Test
    void aChangeThatKeepsTheSizeAndModificationTimeIsSeen() throws Exception {
        FileTime past = anHourAgo("b.txt");
        try (TaskWatch watch = watch(Duration.ofMillis(300))) {
            // As `cp -p` or `rsync -t` would leave it: new content, same size, same time. The stat cannot tell, the
            // watcher saw it.
            write("b.txt", "BETA");
            Files.setLastModifiedTime(dir.resolve("b.txt"), past);
            assertThat(executed(next())).containsExactly("B", "D");
            assertThat(plans.poll()).isEqualTo("[B: file b.txt changed, D: upstream 'B' will run]");
        }
    }

    @Test
    void aFileReplacedByARenameIsSeen() throws Exception {
        FileTime past = anHourAgo("b.txt");
        try (TaskWatch watch = watch(Duration.ofMillis(300))) {
            // An editor's save: a new file renamed over the old one (here with the same size and time, too).
            Path tmp = write("b.txt.tmp", "BETA");
            Files.setLastModifiedTime(tmp, past);
            Files.move(tmp, dir.resolve("b.txt"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertThat(executed(next())).containsExactly("B", "D");
            // And again: the file under that name is still watched.
            write("b.txt", "beta, edited");
            assertThat(executed(next())).containsExactly("B", "D");
            assertThat(watch.runs()).isEqualTo(3);
        }
    }

    @Test
    void aWatchedDirectoryReplacedByARenamedOneIsWatchedUnderItsName() throws Exception {
        write("other/c.txt", "other gamma");
        try (TaskWatch watch = watch(Duration.ofMillis(300))) {
            Files.move(dir.resolve("src"), dir.resolve("src.old"));
            Files.move(dir.resolve("other"), dir.resolve("src"));
            assertThat(executed(next())).containsExactly("C");
            // The directory now under the name is the one watched (a watch follows the directory it was made on).
            write("src/c.txt", "gamma, edited");
            assertThat(executed(next())).containsExactly("C");
            assertThat(watch.runs()).isEqualTo(3);
        }
    }

    @Test
    void changesDuringARunQueueOneMoreRun() throws Exception {
        BlockingQueue<String> started = new LinkedBlockingQueue<>();
        CountDownLatch release = new CountDownLatch(1);
        RunListener holdB = new RunListener() {
            @Override
            public void stepStarted(int stepId, String title) {
                started.add(title);
                if (title.equals("B")) {
                    try {
                        release.await(DEADLINE_SECONDS, TimeUnit.SECONDS); // holds the run while the test edits
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        try (TaskWatch watch = ts.watch(task.id(), WatchOptions.defaults().withInitialRun(false)
                .withRunOptions(RunOptions.defaults().withListener(holdB)).withListener(listener))) {
            write("b.txt", "beta 1");
            assertThat(started.poll(DEADLINE_SECONDS, TimeUnit.SECONDS)).isNotNull(); // the first run is going on
            write("a.txt", "alpha 1");
            write("src/c.txt", "gamma 1");
            // Both changes are queued (and settled) before the run ends: the watch has nothing else to wait for then.
            release.countDown();
            RunResult first = next();
            assertThat(executed(first)).contains("B");
            RunResult second = next();
            assertThat(executed(second)).contains("A", "C").doesNotContain("B");
            assertThat(watch.runs()).isEqualTo(2);
        }
    }

    @Test
    void aWatchThatDoesNotRunFirstLooksAtEveryFileBeforeTheFirstChange() throws Exception {
        // As `run --watch` does: the task ran, then the watch starts without a run of its own.
        assertThat(executed(ts.run(task.id(), RunOptions.defaults()))).containsExactly("A", "B", "C", "D");
        DSLContext dsl = Database.dsl(ts.dataSource(), ts.schema());
        dsl.deleteFrom(FILE_INDEX).execute(); // the file index is a cache: what is in it now is the watch's own look
        try (TaskWatch watch = ts.watch(task.id(), WatchOptions.defaults().withInitialRun(false).withListener(listener))) {
            // The watch looks at the files before anything changes, so that the first change is not a full check.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
            while (dsl.fetchCount(FILE_INDEX) < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20); // polls the database state until the deadline
            }
            assertThat(dsl.fetchCount(FILE_INDEX)).as("files looked at before any change").isEqualTo(3);
            assertThat(watch.runs()).as("a look runs nothing").isZero();
            write("b.txt", "beta, edited");
            assertThat(executed(next())).containsExactly("B", "D");
            assertThat(plans.poll()).isEqualTo("[B: file b.txt changed, D: upstream 'B' will run]");
        }
    }
}
