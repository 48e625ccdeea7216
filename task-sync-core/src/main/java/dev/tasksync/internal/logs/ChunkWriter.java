package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * The writer thread's side of one attempt's log: encodes the lines it takes into chunks of up to
 * {@link #CHUNK_BYTES} (ASCII straight from the string) and hands each full chunk to {@link ChunkBatches}, which
 * compresses and stores it on a thread of its own; a chunk is handed over once full or {@link #FLUSH_MILLIS} after
 * its first line, and stored at most {@link #FLUSH_MILLIS} after that. The cap is the {@link RollingTail}'s.
 * Used by the writer thread only.
 */
final class ChunkWriter implements LineHandover.Taker, AutoCloseable {
    /** Bigger chunks are fewer rows and statements; a follower still gets lines every {@link #FLUSH_MILLIS}. */
    static final int CHUNK_BYTES = 256 * 1024;
    static final long FLUSH_MILLIS = 200;
    /** A single line longer than this is cut in the full log (the step's lines are usually cut sooner). */
    static final int MAX_LINE_BYTES = 64 * 1024;
    private static final long FLUSH_NANOS = FLUSH_MILLIS * 1_000_000;
    private static final Logger LOG = LoggerFactory.getLogger(ChunkWriter.class);
    private static final LogLine.Stream[] STREAMS = LogLine.Stream.values();

    private final int stepId;
    private final int attempt;
    /** {@link #CHUNK_BYTES}, or less under a small cap: the rolling tail is kept a few chunks deep. */
    private final int chunkBytes;
    /** A pick's time is this plus the monotonic time since {@link #baseNanos}. */
    private final long baseMicros;
    private final long baseNanos;
    private final RollingTail tail;
    private final ChunkBatches batches;

    /** The time of the pick whose lines are being taken. */
    private long pickNanos;
    private long pickMicros;
    private ChunkCodec.Raw current;
    private int nextSeq;
    /** When the oldest chunk handed over since the last flush was begun; -1: none. */
    private long unflushedSince = -1;

    ChunkWriter(DSLContext dsl, int stepId, int attempt, long maxBytes, long baseMicros, long baseNanos) {
        this.stepId = stepId;
        this.attempt = attempt;
        this.tail = new RollingTail(Math.max(1, maxBytes / 2));
        this.chunkBytes = (int) Math.min(CHUNK_BYTES, Math.max(4096, tail.half() / 4));
        this.baseMicros = baseMicros;
        this.baseNanos = baseNanos;
        this.batches = new ChunkBatches(dsl, stepId, attempt, tail);
    }

    private long micros(long nanos) {
        return baseMicros + (nanos - baseNanos) / 1000;
    }

    /** The lines taken next are stamped with this time (one per pick, never going back). */
    void pickAt(long nanos) {
        pickNanos = nanos;
        pickMicros = micros(nanos);
    }

    /** Appends a line to the current chunk: cut, counted against the cap. */
    @Override
    public void take(byte stream, String line) {
        if (current == null) {
            byte[] spare = batches.spare();
            byte[] buffer = spare != null ? spare : new byte[chunkBytes + 1024];
            current = new ChunkCodec.Raw(nextSeq++, buffer, pickNanos);
        }
        // monotonic: lines of one attempt never go back in time
        int bytes = line.length();
        if (bytes > MAX_LINE_BYTES || !current.addAscii(pickMicros, stream, line)) {
            byte[] text = line.getBytes(StandardCharsets.UTF_8);
            if (text.length > MAX_LINE_BYTES) {
                String cut = new String(text, 0, MAX_LINE_BYTES, StandardCharsets.UTF_8)
                        + " [line cut: " + text.length + " bytes, longer than " + MAX_LINE_BYTES + "]";
                text = cut.getBytes(StandardCharsets.UTF_8);
            }
            current.add(pickMicros, STREAMS[stream], text);
            bytes = text.length;
        }
        boolean headFull = tail.counted(bytes + 1);
        if (current.textBytes >= chunkBytes || headFull) {
            roll();
        }
    }

    /** Cuts and stores what is older than {@link #FLUSH_MILLIS}, or everything if {@code all}. */
    void flush(long now, boolean all) {
        if (current != null && (all || now - current.firstNanos >= FLUSH_NANOS)) {
            roll();
        }
        if (unflushedSince >= 0 && (all || now - unflushedSince >= FLUSH_NANOS)) {
            batches.flush();
            unflushedSince = -1;
        }
    }

    /** Nothing waits to be stored. */
    boolean idle() {
        return current == null && unflushedSince < 0 && batches.idle();
    }

    /** Gives the held connection back to the pool (the log is quiet). */
    void release() {
        batches.release();
    }

    /** Hands the current chunk over to be compressed and stored (in a batch). */
    private void roll() {
        ChunkCodec.Raw chunk = current;
        current = null;
        if (tail.gapDue()) {
            tail.gapAt(nextSeq++); // the head is full: later chunks roll
        }
        if (unflushedSince < 0) {
            unflushedSince = chunk.firstNanos;
        }
        batches.add(chunk);
    }

    /** After the last chunk (flushed): the note in the gap, if the middle was left out; waits till all is stored. */
    void finish() {
        batches.finish(micros(System.nanoTime()));
        if (tail.droppedBytes() > 0) {
            LOG.info("step {} attempt {}: {} bytes of output left out of its stored log", stepId, attempt, tail.droppedBytes());
        }
    }

    long storedBytes() {
        return tail.storedBytes();
    }

    /** Ends the store thread and gives back its connection (a writer that died must not keep one). */
    @Override
    public void close() {
        batches.close();
    }
}
