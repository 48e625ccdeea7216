package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import static dev.tasksync.internal.store.jooq.Tables.STEP_LOG_CHUNKS;

/**
 * Writes one attempt's full log to the database as it is produced: the step's thread appends lines to a chunk in
 * memory; a writer thread of this attempt stores a chunk once it holds {@link #CHUNK_BYTES} or its first line is
 * {@link #FLUSH_MILLIS} old, compressed; the chunks waiting when the writer gets to them go in one INSERT. At most
 * {@link #PENDING_BYTES} of full chunks wait for the writer: only a step that writes faster than the database takes
 * for longer than that waits, so memory stays bounded.
 * Beyond the cap, the first half is kept, the last half rolls (older tail chunks are deleted as new ones come), and
 * a note in the gap says how much was left out.
 */
public final class AttemptLog implements AutoCloseable {
    /** Bigger chunks are fewer rows and statements; a follower still gets lines every {@link #FLUSH_MILLIS}. */
    static final int CHUNK_BYTES = 256 * 1024;
    static final long FLUSH_MILLIS = 200;
    /**
     * Raw bytes of full chunks that may wait for the writer before the step's thread waits: enough that a step
     * never waits on a writer that keeps up on average (a burst, a slow commit), few enough for a bounded heap.
     */
    private static final long PENDING_BYTES = 16L * 1024 * 1024;
    /** A single line longer than this is cut in the full log (the step's lines are usually cut sooner). */
    static final int MAX_LINE_BYTES = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(AttemptLog.class);

    /** Writes nothing (full logs disabled). */
    static final AttemptLog NONE = new AttemptLog();

    private final DSLContext dsl;
    private final LogStore store;
    private final int stepId;
    private final int attempt;
    private final long half;
    /** {@link #CHUNK_BYTES}, or less under a small cap: the rolling tail is kept a few chunks deep. */
    private final int chunkBytes;
    private final Object lock = new Object();
    private final Deque<ChunkCodec.Raw> pending = new ArrayDeque<>();
    private long pendingBytes;
    private ChunkCodec.Raw current;
    private int nextSeq;
    private long headBytes;
    /** The seq left free between the kept head and the rolling tail, for the note; -1 while the head fills. */
    private int gapSeq = -1;
    private boolean closed;
    private Thread writer;
    private long lastMicros;

    // writer thread's state
    private final Deque<long[]> tail = new ArrayDeque<>(); // {seq, textBytes, lines} of stored tail chunks
    private long tailBytes;
    private long droppedBytes;
    private long droppedLines;
    private long storedBytes;
    private ChunkCodec.Compressor compressor;

    private AttemptLog() {
        this.dsl = null;
        this.store = null;
        this.stepId = 0;
        this.attempt = 0;
        this.half = 0;
        this.chunkBytes = 0;
    }

    AttemptLog(DSLContext dsl, LogStore store, int stepId, int attempt, long maxBytes) {
        this.dsl = dsl;
        this.store = store;
        this.stepId = stepId;
        this.attempt = attempt;
        this.half = Math.max(1, maxBytes / 2);
        this.chunkBytes = (int) Math.min(CHUNK_BYTES, Math.max(4096, half / 4));
    }

    /** Appends a line; blocks only while the writer is {@link #PENDING_BYTES} behind. */
    public void add(LogLine.Stream stream, String line) {
        if (dsl == null) {
            return;
        }
        byte[] text = (line == null ? "" : line).getBytes(StandardCharsets.UTF_8);
        if (text.length > MAX_LINE_BYTES) {
            String cut = new String(text, 0, MAX_LINE_BYTES, StandardCharsets.UTF_8)
                    + " [line cut: " + text.length + " bytes, longer than " + MAX_LINE_BYTES + "]";
            text = cut.getBytes(StandardCharsets.UTF_8);
        }
        long micros = nowMicros();
        synchronized (lock) {
            if (closed) {
                return; // a line after the step ended (a straggling output thread) is left to the tail
            }
            if (current == null) {
                current = new ChunkCodec.Raw(nextSeq++, chunkBytes + 1024, System.nanoTime());
                if (writer == null) {
                    writer = new Thread(this::write, "task-sync-log-" + stepId + "-" + attempt);
                    writer.setDaemon(true);
                    writer.start();
                }
            }
            current.add(Math.max(micros, lastMicros), stream, text);
            lastMicros = Math.max(micros, lastMicros); // lines of one attempt never go back in time
            if (gapSeq < 0) {
                headBytes += text.length + 1;
            }
            if (current.textBytes >= chunkBytes || (gapSeq < 0 && headBytes >= half)) {
                while (pendingBytes >= PENDING_BYTES && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt(); // the step is being stopped: keep the line, let it end
                        break;
                    }
                }
                roll();
            }
        }
    }

    /** Moves the current chunk to the writer's queue (holding the lock). */
    private void roll() {
        if (current == null) {
            return;
        }
        pending.addLast(current);
        pendingBytes += current.length;
        current = null;
        if (gapSeq < 0 && headBytes >= half) {
            gapSeq = nextSeq++; // the head is full: later chunks roll
        }
        lock.notifyAll();
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private void write() {
        while (true) {
            List<ChunkCodec.Raw> chunks = new ArrayList<>();
            boolean last;
            synchronized (lock) {
                while (true) {
                    if (pending.isEmpty() && current != null
                            && (closed || System.nanoTime() - current.firstNanos >= FLUSH_MILLIS * 1_000_000)) {
                        roll();
                    }
                    if (!pending.isEmpty() || closed) {
                        break;
                    }
                    long waitMillis = current == null ? FLUSH_MILLIS
                            : Math.max(1, FLUSH_MILLIS - (System.nanoTime() - current.firstNanos) / 1_000_000);
                    try {
                        lock.wait(waitMillis);
                    } catch (InterruptedException e) {
                        // only close() ends this thread: lines written so far are stored first
                    }
                }
                chunks.addAll(pending); // all that wait go in one statement: fewer round trips when behind
                pending.clear();
                pendingBytes = 0;
                last = chunks.isEmpty() && closed;
                lock.notifyAll(); // room for the step's thread
            }
            if (last) {
                if (compressor != null) {
                    compressor.close();
                }
                finish();
                return;
            }
            store(chunks);
        }
    }

    private void store(List<ChunkCodec.Raw> chunks) {
        List<byte[]> data = new ArrayList<>(chunks.size());
        List<long[]> drop = new ArrayList<>();
        if (compressor == null) {
            compressor = new ChunkCodec.Compressor();
        }
        for (ChunkCodec.Raw chunk : chunks) {
            data.add(compressor.compress(chunk.bytes, chunk.length));
            if (gapSeq >= 0 && chunk.seq > gapSeq) {
                tail.addLast(new long[]{chunk.seq, chunk.textBytes, chunk.lines});
                tailBytes += chunk.textBytes;
                while (tailBytes > half && tail.size() > 1) {
                    long[] oldest = tail.removeFirst();
                    tailBytes -= oldest[1];
                    drop.add(oldest);
                }
            }
        }
        // a chunk inserted and dropped in the same batch is simply not inserted
        Set<Integer> dropped = new HashSet<>();
        drop.forEach(d -> dropped.add((int) d[0]));
        List<Integer> deleting = dropped.stream().filter(seq -> chunks.stream().noneMatch(c -> c.seq == seq)).toList();
        Consumer<DSLContext> insert = d -> {
            var values = d.insertInto(STEP_LOG_CHUNKS, STEP_LOG_CHUNKS.STEP_ID, STEP_LOG_CHUNKS.ATTEMPT, STEP_LOG_CHUNKS.SEQ,
                    STEP_LOG_CHUNKS.LINES, STEP_LOG_CHUNKS.RAW_BYTES, STEP_LOG_CHUNKS.DATA);
            boolean any = false;
            for (int i = 0; i < chunks.size(); i++) {
                ChunkCodec.Raw c = chunks.get(i);
                if (!dropped.contains(c.seq)) {
                    values = values.values(stepId, attempt, c.seq, c.lines, c.textBytes, data.get(i));
                    any = true;
                }
            }
            if (any) {
                values.execute();
            }
        };
        boolean stored = LogStore.attempts(() -> dsl.transaction(tx -> {
            // Not waiting for the WAL flush: the attempt's outcome, recorded after the last chunk, commits
            // synchronously and so makes every chunk before it durable; a crash loses at most the last chunks.
            tx.dsl().execute("SET LOCAL synchronous_commit = off");
            insert.accept(tx.dsl());
            if (!deleting.isEmpty()) {
                tx.dsl().deleteFrom(STEP_LOG_CHUNKS).where(STEP_LOG_CHUNKS.STEP_ID.eq(stepId))
                        .and(STEP_LOG_CHUNKS.ATTEMPT.eq(attempt)).and(STEP_LOG_CHUNKS.SEQ.in(deleting)).execute();
            }
        }), "step " + stepId + ": storing log chunks from " + chunks.get(0).seq);
        for (ChunkCodec.Raw c : chunks) {
            if (stored) {
                storedBytes += c.textBytes;
            } else {
                droppedBytes += c.textBytes;
                droppedLines += c.lines;
            }
        }
        for (long[] d : drop) {
            droppedBytes += d[1];
            droppedLines += d[2];
            storedBytes -= d[1];
        }
    }

    /** After the last chunk: the note in the gap, then the retention of this step's older logs. */
    private void finish() {
        if (droppedBytes > 0 && gapSeq >= 0) {
            ChunkCodec.Raw note = new ChunkCodec.Raw(gapSeq, 256, System.nanoTime());
            note.add(nowMicros(), LogLine.Stream.STDERR, ("[... " + droppedLines + " lines (" + droppedBytes
                    + " bytes) left out of the middle of this log: an attempt keeps at most " + 2 * half
                    + " bytes (TaskSync.builder().logs)]").getBytes(StandardCharsets.UTF_8));
            byte[] data = ChunkCodec.deflate(note.bytes, note.length);
            LogStore.attempts(() -> dsl.insertInto(STEP_LOG_CHUNKS)
                    .set(STEP_LOG_CHUNKS.STEP_ID, stepId).set(STEP_LOG_CHUNKS.ATTEMPT, attempt)
                    .set(STEP_LOG_CHUNKS.SEQ, note.seq).set(STEP_LOG_CHUNKS.LINES, 1)
                    .set(STEP_LOG_CHUNKS.RAW_BYTES, 0).set(STEP_LOG_CHUNKS.DATA, data)
                    .execute(), "step " + stepId + ": storing the log's note");
        }
        if (droppedBytes > 0) {
            LOG.info("step {} attempt {}: {} bytes of output left out of its stored log", stepId, attempt, droppedBytes);
        }
    }

    /**
     * Stores what is left and waits for it: called when the step's execution ended, before its outcome is recorded,
     * so that a reader that sees the attempt ended has every line.
     */
    @Override
    public void close() {
        if (dsl == null) {
            return;
        }
        Thread w;
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
            w = writer;
        }
        if (w != null) {
            boolean interrupted = false;
            while (true) {
                try {
                    w.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the lines are stored first; the interrupt is kept for the caller
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        store.prune(stepId, attempt);
    }

    /** Bytes of text stored (after the middle was dropped), for tests and the benchmark. */
    long storedBytes() {
        return storedBytes;
    }
}
