package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import dev.tasksync.LogOptions;
import dev.tasksync.StepSettings;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;
import dev.tasksync.internal.store.Database;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.testing.LogFixture;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Once a step's body returned, the thread that closes its log encodes and compresses the runs of lines the writer
 * cuts from what is left (against the real database): every line is stored once, in order, across the chunks
 * either thread made; with a cap, the middle is still dropped and the note still counts what is missing. The chunk table
 * is locked while the lines are added, so that the writer stalls on its first store with lines still to take, and
 * it is let go only once the closing thread waits to compress: whatever the timing, the rest goes through it.
 */
class ClosingCompressionIT {
    private static final int LINES = 400_000; // about 40 MB: more than the writer's first 16 MiB batch
    private TaskSync ts;

    @AfterEach
    void close() {
        if (ts != null) {
            ts.close();
        }
    }

    /** Adds the lines on this thread (the log's owner), closes the log here and returns the lines stored. */
    private List<String> logAndClose(LogOptions options, boolean[] helped) throws Exception {
        ts = TestDatabase.builder().stepType(TestSteps.type("noop", v -> 0,
                c -> StepOutcome.success(StepOutcome.newResults()))).build();
        Task task = ts.save(TaskDefinition.named("t").step("s", StepSettings.of("noop", "{}")).build());
        int stepId = ts.steps(task.id()).get(0).id();
        LogStore store = new LogStore(Database.dsl(ts.dataSource(), ts.schema()), options);
        String pad = "x".repeat(88);
        Thread closer = Thread.currentThread();
        try (Connection lock = TestDatabase.dataSource().getConnection()) {
            lock.setAutoCommit(false);
            try (Statement st = lock.createStatement()) {
                st.execute("LOCK TABLE " + ts.schema() + ".step_log_chunks IN ACCESS EXCLUSIVE MODE");
            }
            AttemptLog log = store.open(stepId, 1);
            for (int i = 1; i <= LINES; i++) {
                log.add(i % 10 == 0 ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, "line " + i + " " + pad);
            }
            CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
                await().atMost(Duration.ofSeconds(60)).until(() -> helping(closer));
                try {
                    lock.rollback();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                log.close(); // returns once every chunk is stored
            } finally {
                release.get(60, TimeUnit.SECONDS);
            }
            helped[0] = log.helpedChunks() > 0;
        }
        try (Stream<LogLine> lines = store.lines(stepId, 1, false)) {
            List<LogLine> all = lines.toList();
            if (options.maxBytesPerAttempt() > (long) LINES * 100) {
                LogFixture.allPrinted(all, LINES);
            }
            return all.stream().map(LogLine::text).toList();
        }
    }

    private static boolean helping(Thread t) {
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().equals(CompressQueue.class.getName()) && f.getMethodName().equals("help")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void everyLineIsStoredOnceInOrderAcrossChunksTheClosingThreadCompressed() throws Exception {
        boolean[] helped = new boolean[1];
        List<String> texts = logAndClose(LogOptions.defaults().withMaxBytesPerAttempt(64L << 20), helped);
        assertThat(helped[0]).as("the closing thread compressed chunks").isTrue();
        assertThat(texts).hasSize(LINES); // and in order, with their streams and times (allPrinted)
        for (int i = 0; i < texts.size(); i += 9_973) {
            assertThat(texts.get(i)).startsWith("line " + (i + 1) + " ");
        }
    }

    @Test
    void withTheCapTheMiddleIsDroppedAndTheNoteCountsItWhenTheClosingThreadCompresses() throws Exception {
        boolean[] helped = new boolean[1];
        List<String> texts = logAndClose(LogOptions.defaults().withMaxBytesPerAttempt(24L << 20), helped);
        assertThat(helped[0]).as("the closing thread compressed chunks").isTrue();
        LogFixture.CapNote note = LogFixture.capNote(texts, LINES);
        int lastOfHead = Integer.parseInt(texts.get(note.index() - 1).split(" ")[1]);
        int firstOfTail = Integer.parseInt(texts.get(note.index() + 1).split(" ")[1]);
        assertThat(firstOfTail - lastOfHead - 1).isEqualTo((int) note.droppedLines());
        for (int i = note.index() + 2; i < texts.size(); i++) {
            assertThat(Integer.parseInt(texts.get(i).split(" ")[1])).isEqualTo(firstOfTail + i - note.index() - 1);
        }
    }
}
