package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.tasksync.internal.store.jooq.Tables.STEP_LOG_CHUNKS;

/**
 * The writer thread's side of one attempt's log: encodes the lines it takes into chunks of up to
 * {@link #CHUNK_BYTES}, compresses each as it fills, and sends them in batches, a batch once {@link #BATCH_BYTES}
 * are there or its oldest chunk is {@link #FLUSH_MILLIS} old, into a COPY through a connection held while lines
 * keep coming ({@link ChunkRows}). The COPY stays open while batches come fast, so that the server stores one
 * while the writer encodes the next, and is committed once its oldest chunk is {@link #FLUSH_MILLIS} old, before
 * a delete of rolled-out chunks, past {@link #PENDING_DATA_BYTES}, and when the log ends. The cap is the
 * {@link RollingTail}'s. Used by the writer thread only.
 */
final class ChunkWriter implements LineHandover.Taker, AutoCloseable {
    /** Bigger chunks are fewer rows and statements; a follower still gets lines every {@link #FLUSH_MILLIS}. */
    static final int CHUNK_BYTES = 256 * 1024;
    static final long FLUSH_MILLIS = 200;
    /**
     * Raw bytes of chunks stored in one COPY when the step prints faster than {@link #FLUSH_MILLIS} (a round trip
     * per batch, so few and large), or {@link #BATCH_DATA_BYTES} of them compressed.
     */
    static final long BATCH_BYTES = 16L * 1024 * 1024;
    static final long BATCH_DATA_BYTES = 1024 * 1024;
    /** Compressed bytes sent in an open COPY before it is committed: they are kept to send again should it fail. */
    static final long PENDING_DATA_BYTES = 8L * 1024 * 1024;
    /** A single line longer than this is cut in the full log (the step's lines are usually cut sooner). */
    static final int MAX_LINE_BYTES = 64 * 1024;
    private static final long FLUSH_NANOS = FLUSH_MILLIS * 1_000_000;
    private static final Logger LOG = LoggerFactory.getLogger(ChunkWriter.class);

    private final DSLContext dsl;
    private final int stepId;
    private final int attempt;
    /** {@link #CHUNK_BYTES}, or less under a small cap: the rolling tail is kept a few chunks deep. */
    private final int chunkBytes;
    /** A pick's time is this plus the monotonic time since {@link #baseNanos}. */
    private final long baseMicros;
    private final long baseNanos;
    private final RollingTail tail;
    private final ChunkCodec.Compressor compressor = new ChunkCodec.Compressor();
    private final ChunkRows rows;
    /** The characters of an ASCII line on their way into a chunk ({@link ChunkCodec.Raw#addAscii}). */
    private final char[] scratch = new char[MAX_LINE_BYTES];
    private final CompressQueue compressing;

    /** The time of the pick whose lines are being taken. */
    private long pickNanos;
    private long pickMicros;
    private ChunkCodec.Raw current;
    private int nextSeq;
    private final List<ChunkCodec.Raw> batch = new ArrayList<>();
    private long batchRaw;
    private long batchData;
    /** The array of the chunk compressed last, for the next chunk. */
    private byte[] spare;
    private long batchSince;
    /** Batches sent in the open COPY, with their plans, to count once it is committed. */
    private final List<Sent> sent = new ArrayList<>();
    /** When the oldest chunk sent in the open COPY was started. */
    private long sentSince;

    private record Sent(List<ChunkCodec.Raw> chunks, RollingTail.Plan plan) {
    }

    ChunkWriter(DSLContext dsl, int stepId, int attempt, long maxBytes, long baseMicros, long baseNanos,
                CompressQueue compressing) {
        this.compressing = compressing;
        this.dsl = dsl;
        this.stepId = stepId;
        this.attempt = attempt;
        this.tail = new RollingTail(Math.max(1, maxBytes / 2));
        this.chunkBytes = (int) Math.min(CHUNK_BYTES, Math.max(4096, tail.half() / 4));
        this.baseMicros = baseMicros;
        this.baseNanos = baseNanos;
        this.rows = new ChunkRows(dsl, stepId, attempt);
    }

    private long micros(long nanos) {
        return baseMicros + (nanos - baseNanos) / 1000;
    }

    /** The lines taken next are stamped with this time (their mark's, never going back). */
    @Override
    public void at(long nanos) {
        pickNanos = nanos;
        pickMicros = micros(nanos);
    }

    /** Appends a line to the current chunk: cut, counted against the cap. */
    @Override
    public void take(byte stream, String line) {
        if (current == null) {
            byte[] buffer = spare != null ? spare : compressing.spare();
            spare = null;
            if (buffer == null) {
                buffer = new byte[chunkBytes + 1024];
            }
            current = new ChunkCodec.Raw(nextSeq++, buffer, pickNanos);
        }
        // monotonic: lines of one attempt never go back in time
        int ascii = current.addAscii(pickMicros, stream, line, scratch);
        if (ascii >= 0) {
            counted(ascii);
            return;
        }
        byte[] text = line.getBytes(StandardCharsets.UTF_8);
        if (text.length > MAX_LINE_BYTES) {
            String cut = new String(text, 0, MAX_LINE_BYTES, StandardCharsets.UTF_8)
                    + " [line cut: " + text.length + " bytes, longer than " + MAX_LINE_BYTES + "]";
            text = cut.getBytes(StandardCharsets.UTF_8);
        }
        current.add(pickMicros, stream, text);
        counted(text.length);
    }

    /** Counts a line just added against the cap; cuts the chunk once it is full, or the head is. */
    private void counted(int bytes) {
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
        if (!batch.isEmpty() && (all || now - batchSince >= FLUSH_NANOS)) {
            storeBatch();
        }
        if (!sent.isEmpty() && (all || now - sentSince >= FLUSH_NANOS)) {
            commit();
        }
    }

    /** Nothing waits to be stored. */
    boolean idle() {
        return current == null && batch.isEmpty() && sent.isEmpty();
    }

    /** Gives the held connection back to the pool (the log is quiet). */
    void release() {
        rows.release();
    }

    /** Compresses the current chunk into the batch; stores the batch once it is {@link #BATCH_BYTES}. */
    private void roll() {
        ChunkCodec.Raw chunk = current;
        current = null;
        if (tail.gapDue()) {
            tail.gapAt(nextSeq++); // the head is full: later chunks roll
        }
        if (batch.isEmpty()) {
            batchSince = chunk.firstNanos;
        }
        batchRaw += chunk.length;
        batch.add(chunk);
        if (compressing.helping()) {
            compressing.submit(chunk, compressor); // the closing thread compresses it
        } else {
            chunk.data = compressor.compress(chunk.bytes, chunk.length);
            batchData += chunk.data.length;
            spare = chunk.bytes;
            chunk.bytes = null; // only its counts are kept until it is stored
        }
        if (batchRaw >= BATCH_BYTES || batchData >= BATCH_DATA_BYTES) {
            storeBatch();
        }
    }

    /** Sends the batch in the open COPY; a batch that deletes rolled-out chunks is stored in a transaction of its own. */
    private void storeBatch() {
        List<byte[]> data = new ArrayList<>(batch.size());
        for (ChunkCodec.Raw c : batch) {
            compressing.await(c, compressor); // at once unless the closing thread compresses it
            data.add(c.data);
            c.data = null; // the rows hold it until they are stored
        }
        RollingTail.Plan plan = tail.plan(batch, data);
        List<ChunkCodec.Raw> chunks = List.copyOf(batch);
        batch.clear();
        batchRaw = 0;
        batchData = 0;
        if (plan.deleting().isEmpty()) {
            if (sent.isEmpty()) {
                sentSince = chunks.get(0).firstNanos;
            }
            rows.send(plan.inserting());
            sent.add(new Sent(chunks, plan));
            if (rows.pendingBytes() >= PENDING_DATA_BYTES) {
                commit();
            }
            return;
        }
        commit();
        boolean stored = LogStore.attempts(() -> rows.store(plan.inserting(), plan.deleting()),
                "step " + stepId + ": storing log chunks from " + chunks.get(0).seq);
        tail.stored(chunks, plan, stored);
    }

    /** Commits the open COPY (sending its rows again should it fail), and counts what it stored. */
    private void commit() {
        if (sent.isEmpty()) {
            return;
        }
        boolean stored = LogStore.attempts(rows::commit, "step " + stepId + ": storing log chunks from "
                + sent.get(0).chunks().get(0).seq);
        if (!stored) {
            rows.discard();
        }
        for (Sent s : sent) {
            tail.stored(s.chunks(), s.plan(), stored);
        }
        sent.clear();
    }

    /** After the last chunk: the note in the gap, if the middle was left out. */
    void finish() {
        int seq = tail.noteSeq();
        if (seq >= 0) {
            ChunkCodec.Raw note = new ChunkCodec.Raw(seq, 256, System.nanoTime());
            note.add(micros(System.nanoTime()), LogLine.Stream.STDERR, tail.note().getBytes(StandardCharsets.UTF_8));
            byte[] deflated = ChunkCodec.deflate(note.bytes, note.length);
            LogStore.attempts(() -> dsl.insertInto(STEP_LOG_CHUNKS)
                    .set(STEP_LOG_CHUNKS.STEP_ID, stepId).set(STEP_LOG_CHUNKS.ATTEMPT, attempt)
                    .set(STEP_LOG_CHUNKS.SEQ, note.seq).set(STEP_LOG_CHUNKS.LINES, 1)
                    .set(STEP_LOG_CHUNKS.RAW_BYTES, 0).set(STEP_LOG_CHUNKS.DATA, deflated)
                    .execute(), "step " + stepId + ": storing the log's note");
        }
        if (tail.droppedBytes() > 0) {
            LOG.info("step {} attempt {}: {} bytes of output left out of its stored log", stepId, attempt, tail.droppedBytes());
        }
    }

    long storedBytes() {
        return tail.storedBytes();
    }

    /** Gives back the native compressor and the connection (a writer that died must not keep one). */
    @Override
    public void close() {
        compressor.close();
        rows.close();
    }
}
