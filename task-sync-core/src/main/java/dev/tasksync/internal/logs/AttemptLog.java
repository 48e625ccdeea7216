package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes one attempt's full log to the database as it is produced. The step's threads hand their lines to a
 * writer thread of this attempt ({@link LineHandover}: no lock, clock or encoding on the step's own thread); the
 * writer marks how far they go every {@link #PICK_MILLIS} (a line's time is its mark's), and leaves the heavy work
 * (encoding, cutting, compressing and storing them, {@link ChunkWriter}; the middle of a log over the cap left
 * out, {@link RollingTail}) until their mark is {@link #DEFER_MILLIS} old, half the hand-over's bound
 * waits, or the step's body returned: a step that prints a lot in a short while does not share its cores with
 * that work, and a follower still sees a line within about {@link ChunkWriter#FLUSH_MILLIS}. Once the body
 * returned, its thread encodes and compresses runs of lines beside the writer ({@link CompressQueue}) until the
 * last is stored.
 * <p>
 * The attempt's tail (its last lines, stored with its outcome) is fed from here too: each line the log keeps goes
 * to the tail from the writer thread, in order, as it is taken ({@link #add} returns true), so that the step's own
 * thread does one store per line for both, not one for the log and an atomic increment and two for the tail. A
 * line the log does not keep (after close, or once the writer failed and the hand-over is full) is the caller's to
 * put in the tail; the lines the writer did not take before it failed go to the tail first, on the step's thread.
 */
public final class AttemptLog implements AutoCloseable {
    /**
     * How often the writer takes lines from a step that prints now and then: a line's stored time is the time of
     * the pick that took it, so it is at most this late (the writer sleeping after a quiet spell is woken by the
     * next line).
     */
    static final long PICK_MILLIS = 10;
    /**
     * Lines are encoded and stored once their mark is this old (or many wait, or the body returned); less than
     * {@link ChunkWriter#FLUSH_MILLIS}, which still counts from the mark, so followers see lines as soon as before.
     */
    static final long DEFER_MILLIS = 150;
    /** A pick of at least this many lines means the step prints fast: the writer takes the next ones at once. */
    private static final int BUSY_LINES = 256;
    /**
     * The writer gives its connection back to the pool after this long with nothing to store: it is held while the
     * output keeps coming (a chunk every few ms), never for a whole quiet step, so the pool is not emptied by steps
     * that log now and then.
     */
    static final long HOLD_MILLIS = 50;
    private static final Logger LOG = LoggerFactory.getLogger(AttemptLog.class);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Writes nothing (full logs disabled). */
    static final AttemptLog NONE = new AttemptLog();

    private final DSLContext dsl;
    private final LogStore store;
    private final int stepId;
    private final int attempt;
    private final long maxBytes;
    private final long baseMicros;
    private final long baseNanos;
    private final LineHandover lines;
    /** Where the lines kept go for the attempt's tail, and how many of a run's last lines it can keep at most. */
    private final Consumer<String> tail;
    private final int tailLines;
    private final CountDownLatch stored = new CountDownLatch(1);
    private final CompressQueue compressing = new CompressQueue();
    private volatile ChunkWriter chunks;
    /** The writer thread's CPU time when it ended, and the closing thread's in {@link #close} (for tests, probes). */
    private volatile long writerCpuNanos;
    private volatile long closingCpuNanos;

    private AttemptLog() {
        this.dsl = null;
        this.store = null;
        this.stepId = 0;
        this.attempt = 0;
        this.maxBytes = 0;
        this.baseMicros = 0;
        this.baseNanos = 0;
        this.lines = null;
        this.tail = null;
        this.tailLines = 0;
    }

    AttemptLog(DSLContext dsl, LogStore store, int stepId, int attempt, long maxBytes, Consumer<String> tail,
               int tailLines) {
        this.dsl = dsl;
        this.store = store;
        this.stepId = stepId;
        this.attempt = attempt;
        this.maxBytes = maxBytes;
        this.baseNanos = System.nanoTime();
        Instant now = Instant.now();
        this.baseMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
        this.tail = tail;
        this.tailLines = Math.max(1, tailLines);
        this.lines = new LineHandover(this::write, "task-sync-log-" + stepId + "-" + attempt);
    }

    /**
     * Appends a line; blocks only while the writer is far behind ({@link LineHandover}). True if the log keeps it
     * and hands it to the tail; false if the caller must put it in the tail itself (full logs disabled, the log
     * closed, or its writer failed and the hand-over is full: then every line kept before it went to the tail first).
     */
    public boolean add(LogLine.Stream stream, String line) {
        if (lines == null) {
            return false;
        }
        if (lines.add(stream, line == null ? "" : line)) {
            return true;
        }
        lines.drain(new Feed(null)); // the owner, once the writer ended: the lines it left go first
        return false;
    }

    /**
     * Hands the lines taken to the chunk writer (null: none, the writer failed) and then to the tail: of a run of
     * the owner's lines only its last {@link #tailLines}, which are all a tail can keep of it.
     */
    private final class Feed implements LineHandover.Taker {
        private final ChunkWriter store;

        Feed(ChunkWriter store) {
            this.store = store;
        }

        @Override
        public void at(long nanos) {
            if (store != null) {
                store.at(nanos);
            }
        }

        @Override
        public void take(byte stream, String text) {
            if (store != null) {
                store.take(stream, text);
            }
            tail.accept(text);
        }

        @Override
        public void take(String[] texts, byte[] streams, long[] groups, int from, int to, long base, long end) {
            int first = Math.max(from, to - tailLines);
            // read before the chunk writer lets go of the slots, given to the tail once it took them (a failure
            // there leaves them to the drain, which gives them to the tail once)
            String[] last = Arrays.copyOfRange(texts, first, to);
            if (store != null) {
                store.take(texts, streams, groups, from, to, base, end);
            } else {
                Arrays.fill(texts, from, to, null);
            }
            for (String text : last) {
                tail.accept(text);
            }
        }
    }

    /**
     * The writer thread: takes the lines every {@link #PICK_MILLIS} (at once while the step prints fast) and lets
     * the {@link ChunkWriter} store them, until the log is closed and its last pick stored.
     */
    private void write() {
        ChunkWriter writer = null;
        try {
            writer = new ChunkWriter(dsl, stepId, attempt, maxBytes, baseMicros, baseNanos, compressing);
            chunks = writer;
            Feed feed = new Feed(writer);
            long eager = lines.bound() / 2;
            long lastLine = System.nanoTime();
            while (true) {
                boolean closing = lines.closed(); // read before the mark: it then covers every line added before close()
                long now = System.nanoTime();
                if (lines.mark(now)) {
                    lastLine = now;
                }
                boolean all = closing || lines.waiting() >= eager;
                int took = lines.pick(feed, all ? Long.MAX_VALUE : now - DEFER_MILLIS * 1_000_000);
                writer.flush(now, closing);
                if (closing) {
                    writer.finish();
                    return;
                }
                if (all && took >= BUSY_LINES) {
                    continue;
                }
                if (writer.idle() && lines.drained() && now - lastLine >= HOLD_MILLIS * 1_000_000) {
                    writer.release(); // quiet: the connection goes back to the pool, the writer sleeps till a line
                    lines.sleep(ChunkWriter.FLUSH_MILLIS * 1_000_000);
                } else {
                    LockSupport.parkNanos(this, PICK_MILLIS * 1_000_000);
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.warn("step {} attempt {}: the full log's writer failed; later lines are not stored", stepId, attempt, e);
            throw e;
        } finally {
            writerCpuNanos = cpuNanos();
            compressing.over();
            lines.writerEnded();
            stored.countDown(); // the step goes on now: giving the connection back (a RESET, a round trip) is not its wait
            if (writer != null) {
                writer.close();
            }
        }
    }

    /**
     * Stores what is left and waits for it: called when the step's execution ended, before its outcome is recorded,
     * so that a reader that sees the attempt ended has every line. Meanwhile the calling thread encodes and
     * compresses the runs of lines the writer cuts. It waits for the last store, not for the writer thread's end.
     */
    @Override
    public void close() {
        if (lines == null) {
            return;
        }
        long cpu = cpuNanos();
        compressing.expectHelp();
        if (lines.close() == null) {
            compressing.over(); // no writer, no chunk: nobody is helped
        } else {
            compressing.help(); // till the writer ended
            boolean interrupted = false;
            while (true) {
                try {
                    stored.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the lines are stored first; the interrupt is kept for the caller
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            lines.drain(new Feed(null)); // a writer that failed left lines: they still go to the tail
        }
        closingCpuNanos = cpuNanos() - cpu;
        store.prune(stepId, attempt);
    }

    private static long cpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    /** The writer thread's CPU time, once it ended (for tests and probes). */
    long writerCpuNanos() {
        return writerCpuNanos;
    }

    /** The CPU time the closing thread spent in {@link #close} till the last chunk was stored (for tests and probes). */
    long closingCpuNanos() {
        return closingCpuNanos;
    }

    /** Chunks the thread that closed the log encoded and compressed, for tests. */
    int helpedChunks() {
        return compressing.helped();
    }

    /** Bytes of text stored (after the middle was dropped), for tests and the benchmark. */
    long storedBytes() {
        ChunkWriter c = chunks;
        return c == null ? 0 : c.storedBytes();
    }
}
