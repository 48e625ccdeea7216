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

import static dev.tasksync.internal.store.jooq.Tables.STEP_LOG_CHUNKS;

/**
 * Writes one attempt's full log to the database as it is produced: the step's thread appends lines to a chunk in
 * memory; a writer thread of this attempt stores a chunk once it holds {@link #CHUNK_BYTES} or its first line is
 * {@link #FLUSH_MILLIS} old, compressed; the chunks waiting when the writer gets to them go in one COPY, through
 * a connection the writer holds while lines keep coming ({@link ChunkRows}). At most
 * {@link #PENDING_BYTES} of full chunks wait for the writer: only a step that writes faster than the database takes
 * for longer than that waits, so memory stays bounded.
 * Beyond the cap, the first half is kept, the last half rolls (older tail chunks are deleted as new ones come), and
 * a note in the gap says how much was left out.
 */
public final class AttemptLog implements AutoCloseable {
    /** Bigger chunks are fewer rows and statements; a follower still gets lines every {@link #FLUSH_MILLIS}. */
    static final int CHUNK_BYTES = 256 * 1024;
    static final long FLUSH_MILLIS = 200;
    /** Raw bytes of chunks stored in one COPY when the step prints faster than that (a round trip per batch). */
    static final long BATCH_BYTES = 2L * 1024 * 1024;
    /**
     * Raw bytes of full chunks that may wait for the writer before the step's thread waits: enough that a step
     * never waits on a writer that keeps up on average (a burst, a slow commit), few enough for a bounded heap.
     */
    private static final long PENDING_BYTES = 16L * 1024 * 1024;
    /** A single line longer than this is cut in the full log (the step's lines are usually cut sooner). */
    static final int MAX_LINE_BYTES = 64 * 1024;
    /**
     * The writer gives its connection back to the pool after this long with nothing to store: it is held while the
     * output keeps coming (a chunk every few ms), never for a whole quiet step, so the pool is not emptied by steps
     * that log now and then.
     */
    static final long HOLD_MILLIS = 50;
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
    /** A line's time is this plus the monotonic time since {@link #baseNanos}: no Instant made per line. */
    private final long baseMicros;
    private final long baseNanos;

    // writer thread's state
    private final Deque<long[]> tail = new ArrayDeque<>(); // {seq, textBytes, lines} of stored tail chunks
    private long tailBytes;
    private long droppedBytes;
    private long droppedLines;
    private long storedBytes;
    private ChunkCodec.Compressor compressor;
    private ChunkRows rows;

    private AttemptLog() {
        this.dsl = null;
        this.store = null;
        this.stepId = 0;
        this.attempt = 0;
        this.half = 0;
        this.chunkBytes = 0;
        this.baseMicros = 0;
        this.baseNanos = 0;
    }

    AttemptLog(DSLContext dsl, LogStore store, int stepId, int attempt, long maxBytes) {
        this.dsl = dsl;
        this.store = store;
        this.stepId = stepId;
        this.attempt = attempt;
        this.half = Math.max(1, maxBytes / 2);
        this.chunkBytes = (int) Math.min(CHUNK_BYTES, Math.max(4096, half / 4));
        this.baseNanos = System.nanoTime();
        Instant now = Instant.now();
        this.baseMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
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
            current.add(micros, stream, text); // monotonic: lines of one attempt never go back in time
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

    private long nowMicros() {
        return baseMicros + (System.nanoTime() - baseNanos) / 1000;
    }

    /**
     * The writer thread: takes each chunk as the step's thread rolls it and compresses it at once, and stores the
     * compressed chunks as one batch when {@link #BATCH_BYTES} of them are there, the oldest is {@link #FLUSH_MILLIS}
     * old, or the log closed: a step that prints fast costs a round trip per few MiB, not per chunk.
     */
    private void write() {
        List<ChunkCodec.Raw> batch = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        long batchRaw = 0;
        long batchSince = 0;
        long lastStored = System.nanoTime();
        compressor = new ChunkCodec.Compressor();
        rows = new ChunkRows(dsl, stepId, attempt);
        try {
            writeChunks(batch, data, batchRaw, batchSince, lastStored);
        } finally {
            rows.close(); // a writer that died must not keep a pool connection (told not to wait for the WAL)
        }
    }

    private void writeChunks(List<ChunkCodec.Raw> batch, List<byte[]> data, long batchRaw, long batchSince, long lastStored) {
        while (true) {
            List<ChunkCodec.Raw> taken = new ArrayList<>();
            boolean closing;
            boolean idle = false;
            synchronized (lock) {
                while (true) {
                    long now = System.nanoTime();
                    if (pending.isEmpty() && current != null
                            && (closed || now - current.firstNanos >= FLUSH_MILLIS * 1_000_000)) {
                        roll();
                    }
                    if (!pending.isEmpty() || closed) {
                        break;
                    }
                    if (!batch.isEmpty() && now - batchSince >= FLUSH_MILLIS * 1_000_000) {
                        break;
                    }
                    if (batch.isEmpty() && rows.holding() && now - lastStored >= HOLD_MILLIS * 1_000_000) {
                        idle = true; // given back outside the lock: the step's thread does not wait for it
                        break;
                    }
                    long waitNanos = FLUSH_MILLIS * 1_000_000;
                    if (current != null) {
                        waitNanos = Math.min(waitNanos, FLUSH_MILLIS * 1_000_000 - (now - current.firstNanos));
                    }
                    if (!batch.isEmpty()) {
                        waitNanos = Math.min(waitNanos, FLUSH_MILLIS * 1_000_000 - (now - batchSince));
                    } else if (rows.holding()) {
                        waitNanos = Math.min(waitNanos, HOLD_MILLIS * 1_000_000 - (now - lastStored));
                    }
                    try {
                        lock.wait(Math.max(1, waitNanos / 1_000_000));
                    } catch (InterruptedException e) {
                        // only close() ends this thread: lines written so far are stored first
                    }
                }
                taken.addAll(pending);
                pending.clear();
                pendingBytes = 0;
                lock.notifyAll(); // room for the step's thread
                closing = closed && current == null;
            }
            if (idle) {
                rows.release();
                continue;
            }
            for (ChunkCodec.Raw chunk : taken) {
                if (batch.isEmpty()) {
                    batchSince = chunk.firstNanos;
                }
                data.add(compressor.compress(chunk.bytes, chunk.length));
                batchRaw += chunk.length;
                chunk.bytes = null; // only its counts are kept until it is stored
                batch.add(chunk);
            }
            long now = System.nanoTime();
            if (!batch.isEmpty() && (closing || batchRaw >= BATCH_BYTES || now - batchSince >= FLUSH_MILLIS * 1_000_000)) {
                store(batch, data);
                batch.clear();
                data.clear();
                batchRaw = 0;
                lastStored = System.nanoTime();
            }
            if (closing) {
                compressor.close();
                rows.close();
                finish();
                return;
            }
        }
    }

    private void store(List<ChunkCodec.Raw> chunks, List<byte[]> data) {
        List<long[]> drop = new ArrayList<>();
        for (ChunkCodec.Raw chunk : chunks) {
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
        List<ChunkRows.Row> inserting = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            ChunkCodec.Raw c = chunks.get(i);
            if (!dropped.contains(c.seq)) {
                inserting.add(new ChunkRows.Row(c.seq, c.lines, c.textBytes, data.get(i)));
            }
        }
        boolean stored = LogStore.attempts(() -> rows.store(inserting, deleting),
                "step " + stepId + ": storing log chunks from " + chunks.get(0).seq);
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
