package dev.tasksync.internal.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The tail kept with each attempt: the last lines within the line and character bounds, from any thread. */
class LogTailTest {
    /** What the tail keeps, worked out line by line as the lock-and-deque tail did. */
    private static final class Model {
        final Deque<String> lines = new ArrayDeque<>();
        int chars;

        void add(String line) {
            String kept = LogTail.cap(line);
            lines.addLast(kept);
            chars += kept.length() + 1;
            while (lines.size() > LogTail.MAX_LINES || (chars > LogTail.MAX_CHARS && lines.size() > 1)) {
                chars -= lines.removeFirst().length() + 1;
            }
        }

        String text() {
            return lines.isEmpty() ? null : String.join("\n", lines);
        }
    }

    @Test
    void keepsTheLastLinesWithinTheBoundsAsLineByLineTrimmingDid() {
        Random random = new Random(17);
        LogTail tail = new LogTail();
        Model model = new Model();
        assertThat(tail.text()).isNull();
        for (int i = 0; i < 3_000; i++) {
            // mostly short lines (the line bound binds), now and then long ones (the character bound binds)
            int length = random.nextInt(10) == 0 ? random.nextInt(6_000) : random.nextInt(40);
            String line = i + ":" + "x".repeat(length);
            tail.add(line);
            model.add(line);
            if (i % 37 == 0 || i < 300) {
                assertThat(tail.text()).as("after line %d", i).isEqualTo(model.text());
            }
        }
        assertThat(tail.text()).isEqualTo(model.text());
    }

    @Test
    void keepsTwoHundredShortLinesAndFewerLongOnes() {
        LogTail tail = new LogTail();
        for (int i = 0; i < 1_000; i++) {
            tail.add("line " + i);
        }
        List<String> lines = List.of(tail.text().split("\n"));
        assertThat(lines).hasSize(LogTail.MAX_LINES).startsWith("line 800").endsWith("line 999");
        for (int i = 0; i < 100; i++) {
            tail.add("y".repeat(999)); // 1,000 characters with its newline: 16 fit in 16 KiB
        }
        assertThat(tail.text().split("\n")).hasSize(16);
    }

    @Test
    void linesFromSeveralThreadsAreAllCountedAndTheLastOnesKept() throws Exception {
        LogTail tail = new LogTail();
        int threads = 4;
        int each = 10_000;
        CountDownLatch start = new CountDownLatch(1);
        Thread[] adders = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            adders[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    tail.add(id + "/" + i);
                }
            });
            adders[t].start();
        }
        start.countDown();
        for (Thread t : adders) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
        String[] lines = tail.text().split("\n");
        assertThat(lines).hasSize(LogTail.MAX_LINES);
        Set<String> distinct = new HashSet<>(List.of(lines));
        assertThat(distinct).hasSize(LogTail.MAX_LINES);
        assertThat(distinct).allSatisfy(l -> assertThat(l).matches("\\d/\\d+"));
        // the last line added is some thread's last: every thread added its lines in order, all before text()
        assertThat(List.of(lines)).last().satisfies(l -> assertThat(l).endsWith("/" + (each - 1)));
    }
}
