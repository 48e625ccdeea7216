package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static dev.tasksync.internal.store.jooq.Tables.STEP_LOG_CHUNKS;

/**
 * The writer thread's side of one attempt's log: takes the lines as slices into runs of about a chunk
 * ({@link #CHUNK_BYTES}), has each run encoded and compressed (by itself, or once the body returned by the step's
 * thread too, {@link CompressQueue}), places the chunks in order (their seqs, the cap), and sends them in batches, a batch once {@link #BATCH_BYTES}
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
    private static final int GROUP_SHIFT = Integer.numberOfTrailingZeros(LineHandover.GROUP);
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
    private final ChunkRows rows;
    private final CompressQueue compressing;
    /** The writer's own compressor and scratch, for the runs it encodes itself. */
    private final CompressQueue.Encoder encoder = new CompressQueue.Encoder();

    /** The time of the pick whose lines are being taken. */
    private long pickNanos;
    private long pickMicros;
    /** The run of lines being taken, cut into chunks once it is about {@link #chunkBytes} long. */
    private CompressQueue.Run filling;
    /** Runs cut and not yet placed, in order (encoded by the writer, or queued for the closing thread). */
    private final ArrayDeque<CompressQueue.Run> cut = new ArrayDeque<>();
    private int nextSeq;
    private final List<ChunkCodec.Raw> batch = new ArrayList<>();
    private long batchRaw;
    private long batchData;
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

    /** Appends a line (another thread's) to the run being taken; cuts the run once it is about a chunk long. */
    @Override
    public void take(byte stream, String line) {
        if (filling == null) {
            filling = new CompressQueue.Run(pickNanos, chunkBytes);
        }
        if (filling.add(new String[]{line}, new byte[]{stream}, 0, 1, pickMicros, line.length() + CompressQueue.Run.LINE_BYTES)) {
            cutRun();
        }
    }

    /**
     * Takes a slice of the owner's lines as it is, into runs of about a chunk each, cut at the end of a
     * {@link LineHandover#GROUP} of lines (where a run fills is found by a binary search of {@code groups}) or of
     * the slice: no work per line here, the encoding is the run's.
     */
    @Override
    public void take(String[] texts, byte[] streams, long[] groups, int from, int to, long base, long end) {
        while (from < to) {
            if (filling == null) {
                filling = new CompressQueue.Run(pickNanos, chunkBytes);
            }
            long room = filling.room();
            // the candidate ends: each group's end after from and before to (group g ends before line (g + 1) * GROUP)
            int lo = (from >>> GROUP_SHIFT) + 1;
            int hi = ((to - 1) >>> GROUP_SHIFT) + 1; // the first group end at which the run is full, or hi: at to
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (estimate(groups[mid - 1] - base, from, mid << GROUP_SHIFT) >= room) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            int cut = to;
            long through = end;
            if (lo <= (to - 1) >>> GROUP_SHIFT) {
                cut = lo << GROUP_SHIFT;
                through = groups[lo - 1];
            }
            if (filling.add(texts, streams, from, cut, pickMicros, estimate(through - base, from, cut))) {
                cutRun();
            }
            base = through;
            from = cut;
        }
    }

    /** Estimated encoded bytes of lines {@code [from, end)} handed as {@code handed}: their characters and a few bytes each. */
    private static long estimate(long handed, int from, int end) {
        return handed - (long) (LineHandover.LINE_OVERHEAD - CompressQueue.Run.LINE_BYTES) * (end - from);
    }

    /**
     * Hands the run taken to be encoded and compressed (at once by the writer, unless the closing thread helps),
     * and places the runs before it that are ready; with {@link CompressQueue#AHEAD} runs cut, the writer encodes
     * queued runs itself till the oldest is ready.
     */
    private void cutRun() {
        CompressQueue.Run run = filling;
        filling = null;
        cut.addLast(run);
        compressing.submit(run, encoder);
        while (!cut.isEmpty() && (cut.size() >= CompressQueue.AHEAD || compressing.done(cut.peekFirst()))) {
            place(cut.removeFirst());
        }
    }

    /** Places every run cut, in order, waiting for (or encoding) those not ready. */
    private void placeAll() {
        while (!cut.isEmpty()) {
            place(cut.removeFirst());
        }
    }

    /**
     * Places a run's chunks in the log, in order: gives them their seqs, counts them against the cap's head (a
     * chunk in which the head fills is cut after the line that fills it, and the next seq is left for the note)
     * and adds them to the batch.
     */
    private void place(CompressQueue.Run run) {
        compressing.await(run, encoder);
        for (ChunkCodec.Raw chunk : run.chunks) {
            if (tail.headOpen() && chunk.textBytes >= tail.headRoom()) {
                ChunkCodec.Raw rest = chunk.splitAfter(tail.headRoom(), null);
                if (chunk.data == null) {
                    chunk.data = encoder.compressor.compress(chunk.bytes, chunk.length);
                }
                tail.countHead(chunk.textBytes);
                add(chunk);
                tail.gapAt(nextSeq++); // the head is full: later chunks roll
                if (rest != null) {
                    rest.data = encoder.compressor.compress(rest.bytes, rest.length);
                    add(rest);
                }
                continue;
            }
            if (tail.headOpen()) {
                tail.countHead(chunk.textBytes);
            }
            add(chunk);
        }
        run.chunks = null;
    }

    /** Adds a compressed chunk to the batch under the next seq; stores the batch once it is {@link #BATCH_BYTES}. */
    private void add(ChunkCodec.Raw chunk) {
        chunk.seq = nextSeq++;
        if (batch.isEmpty()) {
            batchSince = chunk.firstNanos;
        }
        batchRaw += chunk.length;
        batchData += chunk.data.length;
        batch.add(chunk);
        compressing.giveBack(chunk.bytes);
        chunk.bytes = null; // only its counts are kept until it is stored
        if (batchRaw >= BATCH_BYTES || batchData >= BATCH_DATA_BYTES) {
            storeBatch();
        }
    }

    /** Cuts and stores what is older than {@link #FLUSH_MILLIS}, or everything if {@code all}. */
    void flush(long now, boolean all) {
        if (filling != null && (all || now - filling.firstNanos >= FLUSH_NANOS)) {
            cutRun();
        }
        if (all || !cut.isEmpty() && now - cut.peekFirst().firstNanos >= FLUSH_NANOS) {
            placeAll();
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
        return filling == null && cut.isEmpty() && batch.isEmpty() && sent.isEmpty();
    }

    /** Gives the held connection back to the pool (the log is quiet). */
    void release() {
        rows.release();
    }

    /** Sends the batch in the open COPY; a batch that deletes rolled-out chunks is stored in a transaction of its own. */
    private void storeBatch() {
        List<byte[]> data = new ArrayList<>(batch.size());
        for (ChunkCodec.Raw c : batch) {
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
        encoder.close();
        rows.close();
    }
}
