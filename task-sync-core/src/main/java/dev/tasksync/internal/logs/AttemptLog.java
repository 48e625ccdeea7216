package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

import static dev.tasksync.internal.store.jooq.Tables.STEP_LOG_CHUNKS;

/**
 * Writes one attempt's full log to the database as it is produced. The step's own thread (the one that opened the
 * log) does next to nothing per line: it puts the line's reference and stream in a block of {@link #BLOCK} lines
 * and publishes its index, with no lock, no clock and no encoding; a writer thread of this attempt takes the lines from the ring every
 * {@link #PICK_MILLIS} (at once while they keep coming), stamps each pick with one time, encodes, cuts, counts the
 * cap, compresses, and stores chunks of {@link #CHUNK_BYTES} in batches, a batch once {@link #BATCH_BYTES} are
 * there or its oldest chunk is {@link #FLUSH_MILLIS} old: one COPY through a connection the writer holds while
 * lines keep coming ({@link ChunkRows}). Lines from other threads (a step's own workers) go through a lock, each
 * with the ring's index it saw, so the writer puts it among the step thread's lines where it came.
 * At most {@link #SLOTS} lines or {@link #PENDING_CHARS} characters wait for the writer: only then does a step
 * wait (no line below the cap is ever dropped), so memory stays bounded.
 * Beyond the cap, the first half is kept, the last half rolls (older tail chunks are deleted as new ones come), and
 * a note in the gap says how much was left out.
 */
public final class AttemptLog implements AutoCloseable {
    /** Bigger chunks are fewer rows and statements; a follower still gets lines every {@link #FLUSH_MILLIS}. */
    static final int CHUNK_BYTES = 256 * 1024;
    static final long FLUSH_MILLIS = 200;
    /**
     * Raw bytes of chunks stored in one COPY when the step prints faster than {@link #FLUSH_MILLIS} (a round trip
     * per batch, so few and large), or {@link #BATCH_DATA_BYTES} of them compressed.
     */
    static final long BATCH_BYTES = 16L * 1024 * 1024;
    static final long BATCH_DATA_BYTES = 1024 * 1024;
    /**
     * How often the writer takes lines from a step that prints now and then: a line's stored time is the time of
     * the pick that took it, so it is at most this late (the writer sleeping after a quiet spell is woken by the
     * next line).
     */
    static final long PICK_MILLIS = 10;
    /** A pick of at least this many lines means the step prints fast: the writer takes the next ones at once. */
    private static final int BUSY_LINES = 256;
    /** Lines that may wait for the writer: the step waits only when the writer is this many behind. */
    static final int SLOTS = 1 << 18;
    /** Lines per block the step's thread fills (a power of two): a log of a few lines costs one small block. */
    static final int BLOCK = 4096;
    /**
     * Characters of lines that may wait for the writer before the step's thread waits: enough that a step never
     * waits on a writer that keeps up on average (a burst, a slow commit), few enough for a bounded heap.
     */
    static final long PENDING_CHARS = 16L * 1024 * 1024;
    /** A single line longer than this is cut in the full log (the step's lines are usually cut sooner). */
    static final int MAX_LINE_BYTES = 64 * 1024;
    /**
     * The writer gives its connection back to the pool after this long with nothing to store: it is held while the
     * output keeps coming (a chunk every few ms), never for a whole quiet step, so the pool is not emptied by steps
     * that log now and then.
     */
    static final long HOLD_MILLIS = 50;
    private static final Logger LOG = LoggerFactory.getLogger(AttemptLog.class);
    private static final LogLine.Stream[] STREAMS = LogLine.Stream.values();
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle TAKEN_CHARS;
    private static final VarHandle SLEEPING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(AttemptLog.class, "head", long.class);
            TAIL = lookup.findVarHandle(AttemptLog.class, "tail", long.class);
            TAKEN_CHARS = lookup.findVarHandle(AttemptLog.class, "takenChars", long.class);
            SLEEPING = lookup.findVarHandle(AttemptLog.class, "sleeping", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Writes nothing (full logs disabled). */
    static final AttemptLog NONE = new AttemptLog();

    private final DSLContext dsl;
    private final LogStore store;
    private final int stepId;
    private final int attempt;
    private final long half;
    /** {@link #CHUNK_BYTES}, or less under a small cap: the rolling tail is kept a few chunks deep. */
    private final int chunkBytes;
    /** A pick's time is this plus the monotonic time since {@link #baseNanos}. */
    private final long baseMicros;
    private final long baseNanos;
    private final CountDownLatch stored = new CountDownLatch(1);
    private volatile boolean closed;
    /** The writer ended (its last batch stored, or it failed): nothing more is taken. */
    private volatile boolean ended;
    private volatile boolean sleeping;
    private volatile boolean ownerWaiting;
    private volatile Thread writer;

    /** Lines in the order the owner added them; the next block is linked before the head moves into it. */
    private static final class Block {
        final String[] lines = new String[BLOCK];
        final byte[] streams = new byte[BLOCK];
        Block next;
    }

    // the blocks: filled by the owner without a lock (published by HEAD's release), emptied by the writer
    private final Thread owner;
    /** The block the owner fills. */
    private Block in;
    /** The block the writer empties: set by the owner before its first line is published. */
    private Block out;
    private long head;
    private long tail;
    private long takenChars;
    // the owner's own view: what it handed over, and the writer's progress as it last read it
    private long handedChars;
    private long roomUntil;
    private long charsUntil;
    private boolean ownerStarted;

    // lines of other threads, with the head each saw
    private record Other(long position, byte stream, String text) {
    }

    private final Object othersLock = new Object();
    private List<Other> others = new ArrayList<>();
    private long otherChars;

    // the writer thread's state
    private ChunkCodec.Raw current;
    private int nextSeq;
    private long headBytes;
    /** The seq left free between the kept head and the rolling tail, for the note; -1 while the head fills. */
    private int gapSeq = -1;
    private final List<ChunkCodec.Raw> batch = new ArrayList<>();
    private final List<byte[]> data = new ArrayList<>();
    private long batchRaw;
    private long batchData;
    /** The array of the chunk compressed last, for the next chunk. */
    private byte[] spare;
    private long batchSince;
    private final Deque<long[]> tailChunks = new ArrayDeque<>(); // {seq, textBytes, lines} of stored tail chunks
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
        this.owner = null;
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
        this.owner = Thread.currentThread();
        this.roomUntil = SLOTS;
        this.charsUntil = PENDING_CHARS;
    }

    /**
     * Appends a line; blocks only while the writer is {@link #SLOTS} lines or {@link #PENDING_CHARS} characters
     * behind. On the step's own thread: two array stores and an ordered store of the index.
     */
    public void add(LogLine.Stream stream, String line) {
        if (dsl == null || closed) {
            return; // a line after the step ended (a straggling output thread) is left to the tail
        }
        String text = line == null ? "" : line;
        if (Thread.currentThread() != owner) {
            addOther(stream, text);
            return;
        }
        if (!ownerStarted) {
            in = new Block();
            out = in;
            startWriter();
            ownerStarted = true;
        }
        long h = head;
        handedChars += text.length();
        if (h >= roomUntil || handedChars > charsUntil) {
            if (!awaitRoom(h)) {
                return;
            }
        }
        int at = (int) h & (BLOCK - 1);
        if (at == 0 && h > 0) {
            Block next = new Block();
            in.next = next;
            in = next;
        }
        in.lines[at] = text;
        in.streams[at] = (byte) stream.ordinal();
        HEAD.setRelease(this, h + 1);
        if (sleeping) {
            wake();
        }
    }

    /** The owner waits for the writer to take lines (back-pressure); false: the writer is gone, the line is not kept. */
    private boolean awaitRoom(long h) {
        boolean interrupted = false;
        try {
            while (true) {
                long t = (long) TAIL.getAcquire(this);
                long taken = (long) TAKEN_CHARS.getAcquire(this);
                // a line longer than the bound goes once the writer took every line before it (h == t)
                if (h - t < SLOTS && (handedChars - taken <= PENDING_CHARS || h == t)) {
                    roomUntil = t + SLOTS;
                    charsUntil = taken + PENDING_CHARS;
                    return true;
                }
                if (ended) {
                    return false;
                }
                ownerWaiting = true;
                wake();
                // a step being stopped still keeps its lines: the interrupt is set aside (a park would not wait)
                interrupted |= Thread.interrupted();
                LockSupport.parkNanos(this, 1_000_000); // unparked as soon as the writer took lines
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void addOther(LogLine.Stream stream, String text) {
        synchronized (othersLock) {
            startWriter();
            while (otherChars > PENDING_CHARS && !closed && !ended) {
                try {
                    othersLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the step is being stopped: keep the line, let it end
                    break;
                }
            }
            if (closed || ended) {
                return;
            }
            others.add(new Other((long) HEAD.getAcquire(this), (byte) stream.ordinal(), text));
            otherChars += text.length();
        }
        if (sleeping) {
            wake();
        }
    }

    private void startWriter() {
        synchronized (othersLock) {
            if (writer == null) {
                Thread w = new Thread(this::write, "task-sync-log-" + stepId + "-" + attempt);
                w.setDaemon(true);
                writer = w;
                w.start();
            }
        }
    }

    private void wake() {
        Thread w = writer;
        if (w != null && SLEEPING.compareAndSet(this, true, false)) {
            LockSupport.unpark(w);
        }
    }

    private long micros(long nanos) {
        return baseMicros + (nanos - baseNanos) / 1000;
    }

    /**
     * The writer thread: takes the lines every {@link #PICK_MILLIS} (at once while the step prints fast), compresses
     * each chunk as it fills, and stores the compressed chunks as one batch when {@link #BATCH_BYTES} of them are
     * there, the oldest is {@link #FLUSH_MILLIS} old, or the log closed: a step that prints fast costs a round trip
     * per few MiB, not per chunk.
     */
    private void write() {
        try {
            compressor = new ChunkCodec.Compressor();
            rows = new ChunkRows(dsl, stepId, attempt);
            long lastLine = System.nanoTime();
            while (true) {
                boolean closing = closed; // read before the pick: it then takes every line added before close()
                long now = System.nanoTime();
                int took = pick(now);
                if (took > 0) {
                    lastLine = now;
                }
                if (current != null && (closing || now - current.firstNanos >= FLUSH_MILLIS * 1_000_000)) {
                    roll();
                }
                if (!batch.isEmpty() && (closing || now - batchSince >= FLUSH_MILLIS * 1_000_000)) {
                    storeBatch();
                }
                if (closing) {
                    finish();
                    return;
                }
                if (took >= BUSY_LINES) {
                    continue;
                }
                if (current == null && batch.isEmpty() && now - lastLine >= HOLD_MILLIS * 1_000_000) {
                    rows.release(); // quiet: the connection goes back to the pool, the writer sleeps till a line
                    sleep();
                } else {
                    LockSupport.parkNanos(this, PICK_MILLIS * 1_000_000);
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.warn("step {} attempt {}: the full log's writer failed; later lines are not stored", stepId, attempt, e);
            throw e;
        } finally {
            ended = true;
            if (compressor != null) {
                compressor.close();
            }
            if (rows != null) {
                rows.close(); // a writer that died must not keep a pool connection (told not to wait for the WAL)
            }
            synchronized (othersLock) {
                othersLock.notifyAll();
            }
            LockSupport.unpark(owner);
            stored.countDown();
        }
    }

    /** Sleeps till the next line wakes it (or {@link #FLUSH_MILLIS}, should a wake-up cross the last look). */
    private void sleep() {
        SLEEPING.setVolatile(this, true);
        boolean empty;
        synchronized (othersLock) {
            empty = others.isEmpty();
        }
        if (empty && (long) HEAD.getAcquire(this) == tail && !closed) {
            LockSupport.parkNanos(this, FLUSH_MILLIS * 1_000_000);
        }
        sleeping = false;
    }

    /** Takes the lines waiting, other threads' among the owner's where each came; returns how many. */
    private int pick(long now) {
        List<Other> theirs;
        synchronized (othersLock) {
            theirs = others;
            if (!theirs.isEmpty()) {
                others = new ArrayList<>();
                otherChars = 0;
                othersLock.notifyAll();
            }
        }
        long micros = micros(now);
        long h = (long) HEAD.getAcquire(this);
        long t = tail;
        long chars = takenChars;
        int k = 0;
        for (long i = t; i < h; i++) {
            while (k < theirs.size() && theirs.get(k).position() <= i) {
                Other o = theirs.get(k++);
                encode(now, micros, o.stream(), o.text());
            }
            int at = (int) i & (BLOCK - 1);
            if (at == 0 && i > 0) {
                out = out.next; // the block taken is left to the garbage collector
            }
            String text = out.lines[at];
            out.lines[at] = null;
            chars += text.length();
            encode(now, micros, out.streams[at], text);
            if (at == BLOCK - 1) {
                handBack(i + 1, chars); // room for the step as the pick goes, not only at its end
            }
        }
        handBack(h, chars);
        while (k < theirs.size()) { // each saw a head no later than h
            Other o = theirs.get(k++);
            encode(now, micros, o.stream(), o.text());
        }
        return (int) (h - t) + theirs.size();
    }

    private void handBack(long newTail, long chars) {
        TAKEN_CHARS.setRelease(this, chars);
        TAIL.setRelease(this, newTail);
        if (ownerWaiting) {
            ownerWaiting = false;
            LockSupport.unpark(owner);
        }
    }

    /** Appends a line to the current chunk: cut, counted against the cap. */
    private void encode(long now, long micros, byte stream, String line) {
        byte[] text = line.getBytes(StandardCharsets.UTF_8);
        if (text.length > MAX_LINE_BYTES) {
            String cut = new String(text, 0, MAX_LINE_BYTES, StandardCharsets.UTF_8)
                    + " [line cut: " + text.length + " bytes, longer than " + MAX_LINE_BYTES + "]";
            text = cut.getBytes(StandardCharsets.UTF_8);
        }
        if (current == null) {
            byte[] buffer = spare != null ? spare : new byte[chunkBytes + 1024];
            spare = null;
            current = new ChunkCodec.Raw(nextSeq++, buffer, now);
        }
        current.add(micros, STREAMS[stream], text); // monotonic: lines of one attempt never go back in time
        if (gapSeq < 0) {
            headBytes += text.length + 1;
        }
        if (current.textBytes >= chunkBytes || (gapSeq < 0 && headBytes >= half)) {
            roll();
        }
    }

    /** Compresses the current chunk into the batch; stores the batch once it is {@link #BATCH_BYTES}. */
    private void roll() {
        ChunkCodec.Raw chunk = current;
        current = null;
        if (gapSeq < 0 && headBytes >= half) {
            gapSeq = nextSeq++; // the head is full: later chunks roll
        }
        if (batch.isEmpty()) {
            batchSince = chunk.firstNanos;
        }
        byte[] compressed = compressor.compress(chunk.bytes, chunk.length);
        data.add(compressed);
        batchRaw += chunk.length;
        batchData += compressed.length;
        spare = chunk.bytes;
        chunk.bytes = null; // only its counts are kept until it is stored
        batch.add(chunk);
        if (batchRaw >= BATCH_BYTES || batchData >= BATCH_DATA_BYTES) {
            storeBatch();
        }
    }

    private void storeBatch() {
        store(batch, data);
        batch.clear();
        data.clear();
        batchRaw = 0;
        batchData = 0;
    }

    private void store(List<ChunkCodec.Raw> chunks, List<byte[]> data) {
        List<long[]> drop = new ArrayList<>();
        for (ChunkCodec.Raw chunk : chunks) {
            if (gapSeq >= 0 && chunk.seq > gapSeq) {
                tailChunks.addLast(new long[]{chunk.seq, chunk.textBytes, chunk.lines});
                tailBytes += chunk.textBytes;
                while (tailBytes > half && tailChunks.size() > 1) {
                    long[] oldest = tailChunks.removeFirst();
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
            note.add(micros(System.nanoTime()), LogLine.Stream.STDERR, ("[... " + droppedLines + " lines (" + droppedBytes
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
     * so that a reader that sees the attempt ended has every line. It waits for the last store, not for the writer
     * thread's end.
     */
    @Override
    public void close() {
        if (dsl == null) {
            return;
        }
        Thread w;
        synchronized (othersLock) {
            closed = true;
            othersLock.notifyAll();
            w = writer;
        }
        if (w != null) {
            LockSupport.unpark(w);
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
        }
        store.prune(stepId, attempt);
    }

    /** Bytes of text stored (after the middle was dropped), for tests and the benchmark. */
    long storedBytes() {
        return storedBytes;
    }
}
