package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hand-over of lines from a step's threads to its writer, with no database: a "step" thread owns the hand-over
 * and adds lines; the test's thread takes them as the writer would (the writer thread the hand-over starts does
 * nothing here).
 */
class LineHandoverTest {
    /** The bytes of lines that may wait here: 1 MiB. */
    private static final long BOUND = 1 << 20;
    /** More lines "l" + i than fit under the bound. */
    private static final int OVER_BOUND = (int) (BOUND / LineHandover.LINE_OVERHEAD) + 10;
    private final List<String> taken = new ArrayList<>();
    private final LineHandover.Taker taker = (stream, text) -> taken.add(LogLine.Stream.values()[stream] + " " + text);
    private Thread step;

    @AfterEach
    void stopStep() throws InterruptedException {
        if (step != null) {
            step.interrupt();
            step.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    /** Starts the step's thread: it makes the hand-over (so owns it) and then runs {@code body} on it. */
    private LineHandover step(Consumer<LineHandover> body) throws InterruptedException {
        return step(body, BOUND);
    }

    private LineHandover step(Consumer<LineHandover> body, long bound) throws InterruptedException {
        return step(body, bound, made -> { });
    }

    /** As above, with {@code writerLoop} run on the writer thread the hand-over starts at its first line. */
    private LineHandover step(Consumer<LineHandover> body, long bound, Consumer<LineHandover> writerLoop)
            throws InterruptedException {
        AtomicReference<LineHandover> made = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        step = new Thread(() -> {
            made.set(new LineHandover(() -> writerLoop.accept(made.get()), "test-writer", bound));
            ready.countDown();
            body.accept(made.get());
        }, "test-step");
        step.start();
        assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
        return made.get();
    }

    private static boolean waitsForRoom(Thread t) {
        return isIn(t, "awaitRoom");
    }

    /** {@code t} is in LineHandover's method {@code method} now. */
    private static boolean isIn(Thread t, String method) {
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().equals(LineHandover.class.getName()) && f.getMethodName().equals(method)) {
                return true;
            }
        }
        return false;
    }

    /** Takes lines until {@code n} are taken (the step may still be adding them). */
    private void takeUntil(LineHandover lines, int n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            lines.pick(taker);
            return taken.size() >= n;
        });
    }

    @Test
    void linesOfTheStepAndOfAnotherThreadAreTakenInTheOrderTheyCame() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        LineHandover lines = step(h -> {
            for (int i = 1; i <= 3; i++) {
                h.add(LogLine.Stream.STDOUT, "step " + i);
                int n = i;
                Thread helper = new Thread(() -> h.add(LogLine.Stream.STDERR, "helper " + n));
                helper.start();
                try {
                    helper.join();
                } catch (InterruptedException e) {
                    return;
                }
            }
            done.countDown();
        });
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lines.pick(taker)).isEqualTo(6);
        assertThat(taken).containsExactly("STDOUT step 1", "STDERR helper 1", "STDOUT step 2", "STDERR helper 2",
                "STDOUT step 3", "STDERR helper 3");
        assertThat(lines.pick(taker)).isZero();
    }

    @Test
    void theStepWaitsWhenTheWriterIsTheBoundBehindAndGoesOnOnceItTookLines() throws Exception {
        int n = OVER_BOUND;
        CountDownLatch done = new CountDownLatch(1);
        LineHandover lines = step(h -> {
            for (int i = 0; i < n; i++) {
                h.add(LogLine.Stream.STDOUT, "l" + i);
            }
            done.countDown();
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> waitsForRoom(step));
        assertThat(done.getCount()).as("the step waits, no line dropped").isOne();
        takeUntil(lines, n);
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(taken).hasSize(n).startsWith("STDOUT l0").endsWith("STDOUT l" + (n - 1));
    }

    @Test
    void aLineLongerThanThePendingBoundGoesOnceTheWriterTookEveryLineBeforeIt() throws Exception {
        String huge = "x".repeat((int) BOUND + 1);
        CountDownLatch done = new CountDownLatch(1);
        LineHandover lines = step(h -> {
            h.add(LogLine.Stream.STDOUT, "before");
            h.add(LogLine.Stream.STDOUT, huge);
            h.add(LogLine.Stream.STDOUT, "after");
            done.countDown();
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> waitsForRoom(step));
        takeUntil(lines, 3); // a line bigger than the bound never finds room under it: it went once "before" was taken
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(taken).hasSize(3);
        assertThat(taken.get(0)).isEqualTo("STDOUT before");
        assertThat(taken.get(1)).hasSize(huge.length() + 7);
        assertThat(taken.get(2)).isEqualTo("STDOUT after");
    }

    @Test
    void aStepWaitingForAWriterThatEndedGoesOnWithoutItsLines() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        LineHandover lines = step(h -> {
            for (int i = 0; i < OVER_BOUND; i++) {
                h.add(LogLine.Stream.STDOUT, "l" + i);
            }
            done.countDown();
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> waitsForRoom(step));
        lines.writerEnded();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        int kept = lines.pick(taker); // the lines handed over before the step waited; the rest are not kept
        assertThat(kept).isPositive().isLessThan(OVER_BOUND);
        assertThat(taken).hasSize(kept).startsWith("STDOUT l0").endsWith("STDOUT l" + (kept - 1));
    }

    @Test
    void onceTheWriterEndedTheStepsThreadDrainsTheLinesItLeftInOrderAndIsToldOfEachLineNotKept() throws Exception {
        CountDownLatch added = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        List<String> drained = new ArrayList<>();
        LineHandover.Taker draining = (stream, text) -> drained.add(text);
        int[] notKept = {-1, 0};
        LineHandover lines = step(h -> {
            try {
                assertThat(h.add(LogLine.Stream.STDOUT, "a")).isTrue();
                assertThat(h.add(LogLine.Stream.STDERR, "b")).isTrue();
                assertThat(h.drain(draining)).as("the writer still runs: its lines are its own").isZero();
                added.countDown();
                ended.await();
                assertThat(h.add(LogLine.Stream.STDOUT, "c")).as("room left: kept for the drain").isTrue();
                for (int i = 0; i < OVER_BOUND && notKept[0] < 0; i++) {
                    if (!h.add(LogLine.Stream.STDOUT, "l" + i)) {
                        notKept[0] = i; // no room and no writer: the caller's line
                        notKept[1] = h.drain(draining);
                    }
                }
                done.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(added.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lines.mark(1_000)).isTrue();
        assertThat(lines.pick(taker, 1_000)).isEqualTo(2);
        assertThat(taken).containsExactly("STDOUT a", "STDERR b");
        assertThat(lines.drain(draining)).as("not the step's thread").isZero();
        lines.writerEnded();
        ended.countDown();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        int first = notKept[0];
        assertThat(first).as("a line was not kept once the bound filled").isPositive();
        assertThat(notKept[1]).isEqualTo(first + 1);
        assertThat(drained).hasSize(first + 1).startsWith("c", "l0").endsWith("l" + (first - 1));
        assertThat(lines.drained()).isTrue();
    }

    @Test
    void linesAfterCloseAreNotTaken() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        LineHandover lines = step(h -> {
            h.add(LogLine.Stream.STDOUT, "kept");
            try {
                closed.await();
            } catch (InterruptedException e) {
                return;
            }
            assertThat(h.add(LogLine.Stream.STDOUT, "late")).as("the caller's line").isFalse();
            done.countDown();
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> lines.pick(taker) > 0 || !taken.isEmpty());
        assertThat(lines.close()).as("the writer thread started with the first line").isNotNull();
        closed.countDown();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lines.pick(taker)).isZero();
        assertThat(taken).containsExactly("STDOUT kept");
    }

    @Test
    void eachLineIsStampedWithTheFirstMarkAfterItCameAndOnlyMarksDueAreTaken() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        CountDownLatch more = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        LineHandover lines = step(h -> {
            try {
                h.add(LogLine.Stream.STDOUT, "a");
                first.countDown();
                go.await();
                h.add(LogLine.Stream.STDOUT, "b");
                Thread helper = new Thread(() -> h.add(LogLine.Stream.STDERR, "c"));
                helper.start();
                helper.join();
                second.countDown();
                more.await();
                h.add(LogLine.Stream.STDOUT, "d"); // after the last mark: not taken
                done.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<String> stamped = new ArrayList<>();
        long[] at = new long[1];
        LineHandover.Taker stamping = new LineHandover.Taker() {
            @Override
            public void at(long nanos) {
                at[0] = nanos;
            }

            @Override
            public void take(byte stream, String text) {
                stamped.add(at[0] + " " + text);
            }
        };
        assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lines.mark(1_000)).isTrue();
        assertThat(lines.mark(1_500)).as("nothing new: no mark").isFalse();
        go.countDown();
        assertThat(second.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lines.mark(2_000)).isTrue();
        more.countDown();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(lines.pick(stamping, 999)).as("no mark is due yet").isZero();
        assertThat(lines.oldestMark()).isEqualTo(1_000);
        assertThat(lines.pick(stamping, 1_999)).isOne();
        assertThat(stamped).containsExactly("1000 a");
        assertThat(lines.pick(stamping, Long.MAX_VALUE)).isEqualTo(2);
        assertThat(stamped).containsExactly("1000 a", "2000 b", "2000 c");
        assertThat(lines.drained()).as("d came after the last mark").isFalse();
        assertThat(lines.mark(3_000)).isTrue();
        assertThat(lines.pick(stamping, 3_000)).isOne();
        assertThat(stamped).endsWith("3000 d");
        assertThat(lines.drained()).isTrue();
    }

    @Test
    void theWriterSeesHowManyBytesOfLinesWait() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        LineHandover lines = step(h -> {
            h.add(LogLine.Stream.STDOUT, "12345");
            h.add(LogLine.Stream.STDOUT, "123");
            done.countDown();
        });
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lines.waiting()).isEqualTo(8 + 2L * LineHandover.LINE_OVERHEAD);
        lines.pick(taker);
        assertThat(lines.waiting()).isZero();
    }

    @Test
    void theWriterTakesTheStepsLinesAsSlicesOfBlocksWithTheirSizesAndAnotherThreadsLinesBetweenThem() throws Exception {
        int n = LineHandover.BLOCK + 10; // crosses into a second block
        CountDownLatch done = new CountDownLatch(1);
        LineHandover lines = step(h -> {
            for (int i = 0; i < n; i++) {
                if (i == 5) {
                    Thread helper = new Thread(() -> h.add(LogLine.Stream.STDERR, "helper"));
                    helper.start();
                    try {
                        helper.join();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                h.add(LogLine.Stream.STDOUT, "l" + i);
            }
            done.countDown();
        });
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        List<String> calls = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        LineHandover.Taker slices = new LineHandover.Taker() {
            @Override
            public void take(byte stream, String text) {
                calls.add("line " + text);
                texts.add(text);
            }

            @Override
            public void take(String[] lineTexts, byte[] streams, long[] groups, int from, int to, long base, long end) {
                assertSizes(lineTexts, groups, from, to, base, end);
                for (int i = from; i < to; i++) {
                    texts.add(lineTexts[i]);
                }
                calls.add("slice " + from + "-" + to);
            }
        };
        assertThat(lines.pick(slices)).isEqualTo(n + 1);
        // no call per line of the step's own: a slice up to the other thread's line, to the block's end, the rest
        assertThat(calls).containsExactly("slice 0-5", "line helper", "slice 5-" + LineHandover.BLOCK, "slice 0-10");
        assertThat(texts).hasSize(n + 1).startsWith("l0", "l1", "l2", "l3", "l4", "helper", "l5").endsWith("l" + (n - 1));
        assertThat(lines.waiting()).isZero();
    }

    /**
     * A step that adds lines {@code text(i)} (every third on stderr) in phases: up to {@code until[k]} once
     * {@code go} lets it, then it releases {@code added}.
     */
    private LineHandover inPhases(int[] until, IntFunction<String> text, Semaphore go, Semaphore added, long bound)
            throws InterruptedException {
        return step(h -> {
            int i = 0;
            for (int u : until) {
                try {
                    go.acquire();
                } catch (InterruptedException e) {
                    return;
                }
                for (; i < u; i++) {
                    h.add(i % 3 == 0 ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, text.apply(i));
                }
                added.release();
            }
        }, bound);
    }

    /** A slice's sizes as the writer gets them: its end's, and each group's that ends in it, match its lines'. */
    private static void assertSizes(String[] lineTexts, long[] groups, int from, int to, long base, long end) {
        long size = base;
        for (int i = from; i < to; i++) {
            size += lineTexts[i].length() + LineHandover.LINE_OVERHEAD;
            if (i % LineHandover.GROUP == LineHandover.GROUP - 1) {
                assertThat(groups[i / LineHandover.GROUP]).as("the size through line %d, its group's last", i).isEqualTo(size);
            }
        }
        assertThat(end).as("the size through the slice's last line %d", to - 1).isEqualTo(size);
    }

    @Test
    void picksThatEndInsideAGroupHandOverExactSizesAndGiveBackEveryByte() throws Exception {
        // lines of many lengths; each pick ends inside a group, after some of its lines (the writer sums those)
        int[] until = {1, 70, 64 * 3, 64 * 3 + 1, 1000, LineHandover.BLOCK - 1, LineHandover.BLOCK + 63, 2 * LineHandover.BLOCK + 5};
        Semaphore go = new Semaphore(0);
        Semaphore added = new Semaphore(0);
        LineHandover lines = inPhases(until, i -> "x".repeat(i % 97) + i, go, added, BOUND);
        List<String> texts = new ArrayList<>();
        long[] last = {0};
        LineHandover.Taker sizes = new LineHandover.Taker() {
            @Override
            public void take(byte stream, String text) {
                throw new AssertionError("only the step's own lines here");
            }

            @Override
            public void take(String[] lineTexts, byte[] streams, long[] groups, int from, int to, long base, long end) {
                assertThat(base).as("a slice starts where the one before ended").isEqualTo(last[0]);
                assertSizes(lineTexts, groups, from, to, base, end);
                for (int i = from; i < to; i++) {
                    texts.add(lineTexts[i]);
                }
                last[0] = end;
            }
        };
        int taken = 0;
        for (int u : until) {
            go.release();
            assertThat(added.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
            taken += lines.pick(sizes);
            assertThat(taken).isEqualTo(u);
            assertThat(lines.waiting()).as("every byte taken is given back, after %d lines", u).isZero();
        }
        for (int i = 0; i < texts.size(); i++) {
            assertThat(texts.get(i)).isEqualTo("x".repeat(i % 97) + i);
        }
    }

    @Test
    void theWriterMakesTheBlocksOfAStepThatPrintsFastAheadOfItAFewAtMost() throws Exception {
        Semaphore go = new Semaphore(0);
        Semaphore added = new Semaphore(0);
        int[] until = {3 * LineHandover.BLOCK, 5 * LineHandover.BLOCK, (LineHandover.MAX_SPARES + 10) * LineHandover.BLOCK};
        // room for every line: the spares' bound is MAX_SPARES
        LineHandover lines = inPhases(until, i -> "l" + i, go, added, 64L << 20);
        go.release();
        assertThat(added.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lines.spares()).containsExactly(0, 0);
        assertThat(lines.sparesWanted()).as("the step found no spare for its second block").isTrue();
        lines.mark(System.nanoTime()); // 3 blocks filled since the last mark, and MIN_ASKED asked for: 4 made ahead
        assertThat(lines.spares()).containsExactly(LineHandover.MIN_ASKED, 0);
        assertThat(lines.sparesWanted()).isFalse();
        go.release();
        assertThat(added.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lines.spares()).as("the next 2 blocks were the writer's").containsExactly(4, 2);
        assertThat(lines.sparesWanted()).as("2 are left").isFalse();
        lines.mark(System.nanoTime()); // 2 filled: 2 are there
        assertThat(lines.spares()).containsExactly(4, 2);
        go.release();
        assertThat(added.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
        lines.mark(System.nanoTime()); // more filled than MAX_SPARES: no more than that many made
        assertThat(lines.spares()[0] - lines.spares()[1]).isEqualTo(LineHandover.MAX_SPARES);
        assertThat(lines.pick(taker, Long.MAX_VALUE)).isEqualTo(until[2]);
        for (int i = 0; i < until[2]; i++) {
            assertThat(taken.get(i)).isEqualTo((i % 3 == 0 ? "STDERR l" : "STDOUT l") + i);
        }
    }

    @Test
    void aStepThatFindsNoSpareBlockWakesTheWriterWhichMakesMoreEachTimeItIsAsked() throws Exception {
        Semaphore asked = new Semaphore(0);
        Semaphore made = new Semaphore(0);
        CountDownLatch done = new CountDownLatch(1);
        long[][] seen = new long[3][];
        LineHandover lines = step(h -> {
            for (int i = 0; i <= LineHandover.BLOCK; i++) { // its second block: none there, it asks
                h.add(LogLine.Stream.STDOUT, "l" + i);
            }
            try {
                made.acquire();
                seen[0] = h.spares();
                for (int i = 0; i < LineHandover.MIN_ASKED * LineHandover.BLOCK; i++) { // uses them all: asks again
                    h.add(LogLine.Stream.STDOUT, "m" + i);
                }
                made.acquire();
                seen[2] = h.spares();
            } catch (InterruptedException e) {
                return;
            }
            done.countDown();
        }, 64L << 20, h -> {
            for (int ask = 0; ask < 2; ask++) {
                while (!h.sparesWanted()) {
                    LockSupport.park(); // woken by the step's ask, not by a timeout
                }
                asked.release();
                h.mark(System.nanoTime());
                made.release();
            }
        });
        assertThat(asked.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
        assertThat(asked.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        // first ask: 1 block filled since the last mark, MIN_ASKED asked for; the second: twice as many
        assertThat(seen[0]).containsExactly(LineHandover.MIN_ASKED, 0);
        assertThat(seen[2]).as("it used the 4, asked again, and 8 were made").containsExactly(3L * LineHandover.MIN_ASKED, LineHandover.MIN_ASKED);
        assertThat(lines.pick(taker)).isEqualTo(LineHandover.BLOCK + 1 + LineHandover.MIN_ASKED * LineHandover.BLOCK);
    }

    @Test
    void aSleepingWriterIsWokenByTheNextLineNotByItsTimeout() throws Exception {
        AtomicReference<Thread> writer = new AtomicReference<>();
        CountDownLatch sleeping = new CountDownLatch(1);
        CountDownLatch woke = new CountDownLatch(1);
        List<String> written = new CopyOnWriteArrayList<>();
        LineHandover.Taker writing = (stream, text) -> written.add(text);
        CountDownLatch second = new CountDownLatch(1);
        LineHandover lines = step(h -> {
            h.add(LogLine.Stream.STDOUT, "first"); // starts the writer
            try {
                second.await();
            } catch (InterruptedException e) {
                return;
            }
            h.add(LogLine.Stream.STDOUT, "second");
        }, BOUND, h -> {
            writer.set(Thread.currentThread());
            while (written.isEmpty()) {
                h.pick(writing);
            }
            sleeping.countDown();
            h.sleep(TimeUnit.HOURS.toNanos(1)); // only the next line ends this, within the test's time
            woke.countDown();
            h.pick(writing);
        });
        assertThat(sleeping.await(60, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(60)).until(() -> isIn(writer.get(), "sleep"));
        second.countDown();
        assertThat(woke.await(60, TimeUnit.SECONDS)).as("the writer woke for the line").isTrue();
        writer.get().join(TimeUnit.SECONDS.toMillis(60));
        assertThat(written).containsExactly("first", "second");
        assertThat(lines.drained()).isTrue();
    }

    @Test
    void aLineFromAnotherThreadAfterTheStepClosedItsLogIsNotKept() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        LineHandover lines = step(h -> {
            h.add(LogLine.Stream.STDOUT, "kept");
            done.countDown();
        });
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lines.close()).isNotNull();
        Thread straggler = new Thread(() -> lines.add(LogLine.Stream.STDERR, "late"));
        straggler.start();
        straggler.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(straggler.isAlive()).as("a line after close never waits").isFalse();
        assertThat(lines.pick(taker)).isOne();
        assertThat(taken).containsExactly("STDOUT kept");
        assertThat(lines.waiting()).isZero();
    }

    @Test
    void aStragglerAfterCloseOfALogWithNoLinesStartsNoWriter() throws Exception {
        AtomicInteger writers = new AtomicInteger();
        CountDownLatch closed = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Thread> closedWriter = new AtomicReference<>(Thread.currentThread());
        LineHandover lines = step(h -> {
            closedWriter.set(h.close()); // the step ended before it printed anything
            closed.countDown();
            h.add(LogLine.Stream.STDOUT, "late, from the step");
            Thread straggler = new Thread(() -> h.add(LogLine.Stream.STDERR, "late, from its output thread"));
            straggler.start();
            try {
                straggler.join();
            } catch (InterruptedException e) {
                return;
            }
            done.countDown();
        }, BOUND, h -> writers.incrementAndGet());
        assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(closedWriter.get()).as("no line came before close: no writer to wake").isNull();
        assertThat(writers).as("no writer thread started after close").hasValue(0);
        assertThat(lines.pick(taker)).isZero();
        assertThat(lines.waiting()).isZero();
    }
}
