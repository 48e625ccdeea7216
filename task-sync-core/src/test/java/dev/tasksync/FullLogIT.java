package dev.tasksync;

import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
    static final class PrintType implements StepType<int[]> {
        @Override
        public String key() {
            return "print";
        }

        @Override
        public int[] parse(JsonSettings value) {
            value.requireObject();
            return new int[]{value.field("lines").asInt(), value.field("width").asInt(),
                    value.field("wait").asBoolean() ? 1 : 0};
        }

        @Override
        public StepOutcome execute(StepContext<int[]> context) throws InterruptedException {
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
    }

    static StepSettings print(int lines, int width, boolean wait) {
        return StepSettings.of("print", "{\"lines\": " + lines + ", \"width\": " + width + ", \"wait\": " + wait + "}");
    }

    TaskSync ts;

    TaskSync open(LogOptions options) {
        ts = TestDatabase.builder().stepType(new PrintType()).logs(options).build();
        return ts;
    }

    @AfterEach
    void close() {
        if (ts != null) {
            ts.close();
        }
    }

    private int stepOf(Task task) {
        return ts.steps(task.id()).get(0).id();
    }

    private long chunks(int stepId, int attempt) {
        return ((Number) Rows.query(ts, "SELECT count(*) AS n FROM ${schema}.step_log_chunks WHERE step_id = " + stepId
                + " AND attempt = " + attempt).get(0).get("n")).longValue();
    }

    @Test
    void everyLineOfAnAttemptIsStoredWithItsStreamAndTimeInFewChunks() {
        open(LogOptions.defaults());
        Task task = ts.save(TaskDefinition.named("t").step("p", print(20_000, 40, false)).build());
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        int id = stepOf(task);

        List<LogLine> lines;
        try (Stream<LogLine> s = ts.logs(id, 1)) {
            lines = s.toList();
        }
        assertThat(lines).hasSize(20_000);
        assertThat(lines.get(0).text()).startsWith("line 1 ");
        assertThat(lines.get(19_999).text()).startsWith("line 20000 ");
        assertThat(lines.get(9).stream()).isEqualTo(LogLine.Stream.STDERR);
        assertThat(lines.get(10).stream()).isEqualTo(LogLine.Stream.STDOUT);
        assertThat(lines.stream().filter(l -> l.stream() == LogLine.Stream.STDERR)).hasSize(2_000);
        for (int i = 1; i < lines.size(); i++) {
            assertThat(lines.get(i).time()).isAfterOrEqualTo(lines.get(i - 1).time());
        }
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
        open(LogOptions.defaults().withMaxBytesPerAttempt(512 * 1024));
        Task task = ts.save(TaskDefinition.named("t").step("p", print(20_000, 100, false)).build()); // about 2 MB
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        int id = stepOf(task);
        List<String> texts = ts.logs(id, 1).map(LogLine::text).toList();

        assertThat(texts.get(0)).startsWith("line 1 ");
        assertThat(texts.get(texts.size() - 1)).startsWith("line 20000 ");
        List<String> notes = texts.stream().filter(t -> t.contains("left out of the middle of this log")).toList();
        assertThat(notes).hasSize(1);
        int note = texts.indexOf(notes.get(0));
        // the note stands between the kept head and the kept tail, and its count is what is missing
        int lastOfHead = Integer.parseInt(texts.get(note - 1).split(" ")[1]);
        int firstOfTail = Integer.parseInt(texts.get(note + 1).split(" ")[1]);
        long dropped = Long.parseLong(notes.get(0).replaceAll("^\\[\\.\\.\\. (\\d+) lines.*", "$1"));
        assertThat(firstOfTail - lastOfHead - 1).isEqualTo((int) dropped);
        assertThat(texts.size() - 1 + dropped).isEqualTo(20_000);
        assertThat(ts.logBytes(id, 1)).isBetween(512L * 1024 - 70 * 1024, 512L * 1024 + 70 * 1024);
    }

    @Test
    void theStepDoesNotWaitForAWriterThatIsMegabytesBehind() throws Exception {
        open(LogOptions.defaults());
        Task task = ts.save(TaskDefinition.named("t").step("p", print(40_000, 100, false)).build()); // about 4 MB
        int id = stepOf(task);
        printed = new CountDownLatch(1);
        // Another session locks the chunk table: the writer's first INSERT waits for it, so nothing is stored
        // until the test lets go. The step logs its 4 MB meanwhile (it used to wait once 1 MiB was waiting).
        try (Connection lock = TestDatabase.dataSource().getConnection()) {
            lock.setAutoCommit(false);
            try (Statement st = lock.createStatement()) {
                st.execute("LOCK TABLE " + ts.schema() + ".step_log_chunks IN ACCESS EXCLUSIVE MODE");
            }
            CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> ts.run(task.id()));
            try {
                assertThat(printed.await(60, TimeUnit.SECONDS)).as("the step logged every line while the writer waited").isTrue();
                assertThat(run).isNotDone(); // its outcome waits for the last chunk
            } finally {
                lock.rollback();
            }
            assertThat(run.get(60, TimeUnit.SECONDS).succeeded()).isTrue();
        }
        assertThat(ts.logs(id, 1).map(LogLine::text).filter(t -> t.startsWith("line 40000 ")).count()).isEqualTo(1);
        assertThat(ts.logs(id, 1).count()).isEqualTo(40_000);
    }

    @Test
    void retentionKeepsTheLatestAttemptsOfAStep() {
        open(LogOptions.defaults().withKeepAttempts(2));
        Task task = ts.save(TaskDefinition.named("t").step("p", print(10, 20, false)).build());
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
    void disabledFullLogsStoreNothingAndKeepTheTail() {
        open(LogOptions.disabled());
        Task task = ts.save(TaskDefinition.named("t").step("p", print(10, 20, false)).build());
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        int id = stepOf(task);
        assertThat(chunks(id, 1)).isZero();
        assertThat(ts.history(id).get(0).logTail()).contains("line 10 ");
    }

    @Test
    void aWorkerWritesTheLogAndAnotherConnectionFollowsItLive() throws Exception {
        open(LogOptions.defaults());
        go = new CountDownLatch(1);
        Task task = ts.save(TaskDefinition.named("t").step("p", print(6, 0, true)).build());
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
