package dev.tasksync;

import dev.tasksync.testing.TestFiles;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Watch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.concurrent.CountDownLatch;

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

    private void write(String path, String content) throws Exception {
        TestFiles.write(dir, path, content);
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
}
