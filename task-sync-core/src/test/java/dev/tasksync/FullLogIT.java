package dev.tasksync;

import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.testing.LogFixture;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.tasksync.testing.Awaits.await;

/** The full log of every attempt, stored in chunks in PostgreSQL, read back and followed (issue 17). */
class FullLogIT {
    /** Released by a test to let a {@code print} step with {@code "wait": true} go on after its first half. */
    static volatile CountDownLatch go = new CountDownLatch(0);
    /** Counted down by a {@code print} step once it logged its last line (before it returns). */
    static volatile CountDownLatch printed = new CountDownLatch(1);

    /** {@code {"print": {"lines": N, "width": W, "wait": false}}}: every 10th line on stderr. */
    static StepType<int[]> printType() {
        return TestSteps.type("print", value -> {
            value.requireObject();
            return new int[]{value.field("lines").asInt(), value.field("width").asInt(),
                    value.field("wait").asBoolean() ? 1 : 0};
        }, FullLogIT::printLines);
    }

    private static StepOutcome printLines(StepContext<int[]> context) throws InterruptedException {
        int lines = context.settings()[0];
        String pad = "x".repeat(Math.max(0, context.settings()[1] - 12));
        for (int i = 1; i <= lines; i++) {
            if (context.settings()[2] == 1 && i == lines / 2 + 1 && !go.await(60, TimeUnit.SECONDS)) {
                return StepOutcome.failure("never released");
            }
            String text = "line " + i + " " + pad;
            if (i % 10 == 0) {
                context.log().line(LogLine.Stream.STDERR, text);
            } else {
                context.log().line(text);
            }
        }
        printed.countDown();
        return StepOutcome.success(StepOutcome.newResults());
    }

    static StepSettings print(int lines, int width, boolean wait) {
        return StepSettings.of("print", "{\"lines\": " + lines + ", \"width\": " + width + ", \"wait\": " + wait + "}");
    }

    @RegisterExtension
    final LogFixture logs = new LogFixture();
    TaskSync ts;

    TaskSync open(LogOptions options) {
        ts = logs.use(TestDatabase.builder().stepType(printType()).logs(options).build());
        return ts;
    }

    private int stepOf(Task task) {
        return logs.stepOf(task);
    }

    /** Opens the store with {@code options} and saves task "t" of one print step "p" (not run). */
    private Task savePrinting(LogOptions options, int lines, int width, boolean wait) {
        open(options);
        return ts.save(TaskDefinition.named("t").step("p", print(lines, width, wait)).build());
    }

    /** {@link #savePrinting} and a run of the task, which must succeed; gives the step's id. */
    private int runPrinting(LogOptions options, int lines, int width) {
        Task task = savePrinting(options, lines, width, false);
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        return stepOf(task);
    }

    private long chunks(int stepId, int attempt) {
        return logs.chunks(stepId, attempt);
    }

    @Test
    void everyLineOfAnAttemptIsStoredWithItsStreamAndTimeInFewChunks() {
        int id = runPrinting(LogOptions.defaults(), 20_000, 40);

        List<LogLine> lines = logs.lines(id, 1);
        LogFixture.allPrinted(lines, 20_000);
        // 800 KB in chunks of 64 KiB: batched, never a row per line; and compressed
        long rows = chunks(id, 1);
        assertThat(rows).isBetween(2L, 40L);
        long stored = ((Number) Rows.query(ts, "SELECT sum(octet_length(data)) AS n FROM ${schema}.step_log_chunks WHERE step_id = "
                + id).get(0).get("n")).longValue();
        assertThat(stored).isLessThan(ts.logBytes(id, 1) / 2);
        assertThat(ts.logBytes(id, 1)).isEqualTo(lines.stream().mapToLong(l -> l.text().length() + 1).sum());
        // the tail in the history stays as it was
        assertThat(ts.history(id).get(0).logTail().lines().count()).isEqualTo(200);
    }

    @Test
    void beyondTheCapTheMiddleIsDroppedAndTheLogSaysHowMuch() {
        int id = runPrinting(LogOptions.defaults().withMaxBytesPerAttempt(512 * 1024), 20_000, 100); // about 2 MB
        List<String> texts = logs.texts(id, 1);

        LogFixture.CapNote note = LogFixture.capNote(texts, 20_000);
        // the note stands between the kept head and the kept tail, and its count is what is missing
        int lastOfHead = Integer.parseInt(texts.get(note.index() - 1).split(" ")[1]);
        int firstOfTail = Integer.parseInt(texts.get(note.index() + 1).split(" ")[1]);
        assertThat(firstOfTail - lastOfHead - 1).isEqualTo((int) note.droppedLines());
        assertThat(ts.logBytes(id, 1)).isBetween(512L * 1024 - 70 * 1024, 512L * 1024 + 70 * 1024);
    }

    /** Another session's transaction holding the chunk table: every store of a log waits until it rolls back. */
    private Connection lockedChunkTable() throws SQLException {
        Connection lock = TestDatabase.dataSource().getConnection();
        lock.setAutoCommit(false);
        try (Statement st = lock.createStatement()) {
            st.execute("LOCK TABLE " + ts.schema() + ".step_log_chunks IN ACCESS EXCLUSIVE MODE");
        }
        return lock;
    }

    /**
     * Runs the task while the chunk table is locked (nothing is stored): its step logs every line and returns, and
     * its outcome waits for the last chunk, stored once the lock goes.
     */
    private void printsEveryLineWhileTheTableIsLocked(Task task) throws Exception {
        printed = new CountDownLatch(1);
        try (Connection lock = lockedChunkTable()) {
            CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> ts.run(task.id()));
            try {
                assertThat(printed.await(60, TimeUnit.SECONDS)).as("the step logged every line while nothing was stored").isTrue();
                assertThat(run).isNotDone(); // its outcome waits for the last chunk
            } finally {
                lock.rollback();
            }
            assertThat(run.get(120, TimeUnit.SECONDS).succeeded()).isTrue();
        }
    }

    @Test
    void theStepDoesNotWaitForAWriterThatIsMegabytesBehind() throws Exception {
        Task task = savePrinting(LogOptions.defaults(), 40_000, 100, false); // about 4 MB
        int id = stepOf(task);
        // The writer's first store waits for the locked chunk table, so nothing is stored until the test lets go.
        // The step logs its 4 MB meanwhile (it used to wait once 1 MiB was waiting).
        printsEveryLineWhileTheTableIsLocked(task);
        assertThat(ts.logs(id, 1).map(LogLine::text).filter(t -> t.startsWith("line 40000 ")).count()).isEqualTo(1);
        assertThat(ts.logs(id, 1).count()).isEqualTo(40_000);
    }

    /** The system property that bounds the bytes of lines waiting for a log's writer (read as each attempt starts). */
    static final String PENDING_BOUND = "tasksync.logs.maxPendingBytes";

    /** Runs {@code body} with the bound of lines waiting for a log's writer set to {@code bytes}. */
    static void withPendingBound(long bytes, ThrowingRunnable body) throws Exception {
        String before = System.getProperty(PENDING_BOUND);
        System.setProperty(PENDING_BOUND, Long.toString(bytes));
        try {
            body.run();
        } finally {
            if (before == null) {
                System.clearProperty(PENDING_BOUND);
            } else {
                System.setProperty(PENDING_BOUND, before);
            }
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void theStepsBodyDoesNotWaitForStoringWhileItsLinesFitTheBound() throws Exception {
        // About 60 MB (88 MB counted with each line's overhead) under a bound of 256 MiB: nothing is stored while
        // the table is locked, yet the body logs every line and returns; its outcome waits for the last chunk.
        // (With the fixed 16 Mi characters before, the step waited after some 33 MB.)
        withPendingBound(256L << 20, () -> {
            Task task = savePrinting(LogOptions.defaults().withMaxBytesPerAttempt(128L << 20), 600_000, 100, false);
            int id = stepOf(task);
            printsEveryLineWhileTheTableIsLocked(task);
            LogFixture.allPrinted(logs.lines(id, 1), 600_000);
        });
    }

    @Test
    void aStepFarAheadOfItsWriterWaitsForItAndNoLineIsLost() throws Exception {
        withPendingBound(16L << 20, this::aStepFarAheadOfItsWriterWaitsForIt);
    }

    private void aStepFarAheadOfItsWriterWaitsForIt() throws Exception {
        // About 67 MB: more than the writer can take before its store waits for the lock (a 16 MiB batch and a
        // chunk) plus what may wait for it (16 MiB), so the step must wait whatever the timing: not drop.
        Task task = savePrinting(LogOptions.defaults(), 600_000, 100, false);
        int id = stepOf(task);
        printed = new CountDownLatch(1);
        try (Connection lock = lockedChunkTable()) {
            CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> ts.run(task.id()));
            try {
                await("the step waiting for its log's writer", Duration.ofSeconds(60), FullLogIT::aStepWaitsForItsLog);
                assertThat(printed.getCount()).as("the step is still printing").isOne();
            } finally {
                lock.rollback();
            }
            assertThat(run.get(120, TimeUnit.SECONDS).succeeded()).isTrue();
        }
        LogFixture.allPrinted(logs.lines(id, 1), 600_000);
    }

    private static boolean aStepWaitsForItsLog() {
        return Thread.getAllStackTraces().values().stream().flatMap(Arrays::stream)
                .anyMatch(f -> f.getClassName().endsWith("LineHandover") && f.getMethodName().equals("awaitRoom"));
    }

    /** {@code {"pair": {}}}: the step's thread and a helper thread take turns, ten lines each. */
    static StepType<Integer> pairType() {
        return TestSteps.type("pair", value -> 0, context -> {
            for (int i = 1; i <= 10; i++) {
                context.log().line("step " + i);
                int n = i;
                Thread helper = new Thread(() -> context.log().line(LogLine.Stream.STDERR, "helper " + n));
                helper.start();
                helper.join(); // the helper's line comes after the step's, before the next one
            }
            return StepOutcome.success(StepOutcome.newResults());
        });
    }

    @Test
    void linesOfAnotherThreadOfTheStepAreStoredWhereTheyCame() {
        ts = logs.use(TestDatabase.builder().stepType(pairType()).logs(LogOptions.defaults()).build());
        Task task = ts.save(TaskDefinition.named("t").step("p", StepSettings.of("pair", "{}")).build());
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        List<LogLine> lines = logs.lines(stepOf(task), 1);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            expected.add("step " + i);
            expected.add("helper " + i);
        }
        assertThat(lines).extracting(LogLine::text).containsExactlyElementsOf(expected);
        assertThat(lines).filteredOn(l -> l.text().startsWith("helper")).extracting(LogLine::stream)
                .containsOnly(LogLine.Stream.STDERR);
    }

    @Test
    void retentionKeepsTheLatestAttemptsOfAStep() {
        Task task = savePrinting(LogOptions.defaults().withKeepAttempts(2), 10, 20, false);
        int id = stepOf(task);
        for (int i = 0; i < 3; i++) {
            ts.resetStep(id);
            assertThat(ts.run(task.id()).succeeded()).isTrue();
        }
        assertThat(ts.history(id)).hasSize(3);
        assertThat(ts.logs(id, 1).count()).isZero();
        assertThat(ts.logs(id, 2).count()).isEqualTo(10);
        assertThat(ts.logs(id, 3).count()).isEqualTo(10);
        assertThatThrownBy(() -> ts.logs(id, 4)).isInstanceOf(NotFoundException.class).hasMessageContaining("attempt 4");
    }

    @Test
    void aFullLogWhoseStoresAllFailStillKeepsTheWholeTail() throws Exception {
        Task task = savePrinting(LogOptions.defaults(), 5_000, 20, false);
        try (Connection c = TestDatabase.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE " + ts.schema() + ".step_log_chunks RENAME TO step_log_chunks_gone"); // every store fails
        }
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        // none stored, yet the writer took every line: each reached the tail (from the writer), in order, once
        List<String> tail = ts.history(stepOf(task)).get(0).logTail().lines().toList();
        assertThat(tail).hasSize(200);
        for (int i = 0; i < 200; i++) {
            assertThat(tail.get(i)).startsWith("line " + (4_801 + i) + " ");
        }
    }

    @Test
    void disabledFullLogsStoreNothingAndKeepTheTail() {
        int id = runPrinting(LogOptions.disabled(), 10, 20);
        assertThat(chunks(id, 1)).isZero();
        assertThat(ts.history(id).get(0).logTail()).contains("line 10 ");
    }

    @Test
    void aWorkerWritesTheLogAndAnotherConnectionFollowsItLive() throws Exception {
        go = new CountDownLatch(1);
        Task task = savePrinting(LogOptions.defaults(), 6, 0, true);
        int id = stepOf(task);
        ts.submit(task.id());
        try (TaskSync reader = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(ts.schema()).build();
             Worker worker = ts.worker(WorkerOptions.defaults().withPollInterval(Duration.ofMillis(100)))) {
            await("the worker's claim", Duration.ofSeconds(30), () -> !reader.history(id).isEmpty());
            CompletableFuture<List<String>> followed = CompletableFuture.supplyAsync(() -> {
                List<String> seen = new ArrayList<>();
                Iterator<LogLine> it = reader.followLogs(id, 1).iterator();
                while (it.hasNext()) {
                    String text = it.next().text().strip();
                    seen.add(text);
                    if (text.equals("line 3")) {
                        go.countDown(); // the first half arrived while the step still waits for this
                    }
                }
                return seen;
            });
            assertThat(followed.get(60, TimeUnit.SECONDS)).containsExactly("line 1", "line 2", "line 3", "line 4", "line 5", "line 6");
            assertThat(reader.history(id).get(0).outcome()).isEqualTo("completed");
        } finally {
            go.countDown();
        }
        assertThat(ts.logs(id, 1).map(l -> l.text().strip()).collect(Collectors.joining(","))).isEqualTo(
                "line 1,line 2,line 3,line 4,line 5,line 6");
    }
}
