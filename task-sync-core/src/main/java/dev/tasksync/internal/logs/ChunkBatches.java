package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import org.jooq.DSLContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tasksync.internal.store.jooq.Tables.STEP_LOG_CHUNKS;

/**
 * Compresses an attempt's chunks and stores them in batches on a thread of its own, so that the writer encodes the
 * next lines while a chunk is compressed and a batch is in PostgreSQL (the two took about as long as the encoding):
 * a batch once {@link #BATCH_BYTES} are there, or when the writer asks (its oldest chunk is old, or the log ends).
 * At most {@link #IN_FLIGHT} chunks wait to be compressed: then the writer waits, and so, in turn, the step.
 * The writer's calls are run in order; every method is called from the writer thread.
 */
final class ChunkBatches implements AutoCloseable {
    /**
     * Raw bytes of chunks stored in one COPY when the step prints faster than the flush interval (a round trip
     * per batch, so few and large), or {@link #BATCH_DATA_BYTES} of them compressed.
     */
    static final long BATCH_BYTES = 16L * 1024 * 1024;
    static final long BATCH_DATA_BYTES = 1024 * 1024;
    /** Chunks handed over and not yet compressed: a few, so that memory stays bounded. */
    static final int IN_FLIGHT = 4;

    private final DSLContext dsl;
    private final int stepId;
    private final int attempt;
    private final RollingTail tail;
    private final ExecutorService thread;
    private final Semaphore room = new Semaphore(IN_FLIGHT);
    /** Arrays of compressed chunks, given back for the writer's next chunks (no array zeroed per chunk). */
    private final ArrayBlockingQueue<byte[]> spares = new ArrayBlockingQueue<>(IN_FLIGHT + 1);
    /** Tasks handed to the thread and not yet done. */
    private final AtomicInteger pending = new AtomicInteger();
    private volatile RuntimeException failure;

    // the store thread's own
    private final ChunkCodec.Compressor compressor = new ChunkCodec.Compressor();
    private final ChunkRows rows;
    private final List<ChunkCodec.Raw> batch = new ArrayList<>();
    private final List<byte[]> data = new ArrayList<>();
    private long batchRaw;
    private long batchData;

    ChunkBatches(DSLContext dsl, int stepId, int attempt, RollingTail tail) {
        this.dsl = dsl;
        this.stepId = stepId;
        this.attempt = attempt;
        this.tail = tail;
        this.rows = new ChunkRows(dsl, stepId, attempt);
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "task-sync-log-store-" + stepId + "-" + attempt);
            t.setDaemon(true);
            return t;
        });
    }

    /** An array a compressed chunk gave back, or null. */
    byte[] spare() {
        return spares.poll();
    }

    /** Hands a full chunk over: compressed, then stored with its batch; waits while {@link #IN_FLIGHT} wait. */
    void add(ChunkCodec.Raw chunk) {
        room.acquireUninterruptibly(); // a step being stopped still keeps its lines
        run(() -> {
            byte[] compressed = compressor.compress(chunk.bytes, chunk.length);
            data.add(compressed);
            batchRaw += chunk.length;
            batchData += compressed.length;
            spares.offer(chunk.bytes);
            chunk.bytes = null; // only its counts are kept until it is stored
            batch.add(chunk);
            room.release();
        }, room::release);
        run(() -> {
            if (batchRaw >= BATCH_BYTES || batchData >= BATCH_DATA_BYTES) {
                storeBatch();
            }
        });
    }

    /** Stores what was handed over (the writer's oldest chunk is old, or the log ends). */
    void flush() {
        run(() -> {
            if (!batch.isEmpty()) {
                storeBatch();
            }
        });
    }

    /** Gives the held connection back to the pool, once what was handed over is stored (the log is quiet). */
    void release() {
        run(rows::release);
    }

    /** Nothing handed over waits to be stored. */
    boolean idle() {
        return pending.get() == 0;
    }

    /** After the last chunk: the note in the gap, if the middle was left out. */
    void finish(long noteMicros) {
        run(() -> {
            int seq = tail.noteSeq();
            if (seq < 0) {
                return;
            }
            ChunkCodec.Raw note = new ChunkCodec.Raw(seq, 256, System.nanoTime());
            note.add(noteMicros, LogLine.Stream.STDERR, tail.note().getBytes(StandardCharsets.UTF_8));
            byte[] deflated = ChunkCodec.deflate(note.bytes, note.length);
            LogStore.attempts(() -> dsl.insertInto(STEP_LOG_CHUNKS)
                    .set(STEP_LOG_CHUNKS.STEP_ID, stepId).set(STEP_LOG_CHUNKS.ATTEMPT, attempt)
                    .set(STEP_LOG_CHUNKS.SEQ, note.seq).set(STEP_LOG_CHUNKS.LINES, 1)
                    .set(STEP_LOG_CHUNKS.RAW_BYTES, 0).set(STEP_LOG_CHUNKS.DATA, deflated)
                    .execute(), "step " + stepId + ": storing the log's note");
        });
        awaitDone();
    }

    private void storeBatch() {
        RollingTail.Plan plan = tail.plan(batch, data);
        boolean stored = LogStore.attempts(() -> rows.store(plan.inserting(), plan.deleting()),
                "step " + stepId + ": storing log chunks from " + batch.get(0).seq);
        tail.stored(batch, plan, stored);
        batch.clear();
        data.clear();
        batchRaw = 0;
        batchData = 0;
    }

    /** Runs {@code task} on the store thread after those before it; a failure there is thrown to the writer. */
    private void run(Runnable task) {
        run(task, null);
    }

    /** As {@link #run(Runnable)}; {@code otherwise} runs instead of the task when it fails or is skipped. */
    private void run(Runnable task, Runnable otherwise) {
        failed();
        pending.incrementAndGet();
        thread.execute(() -> {
            boolean done = false;
            try {
                if (failure == null) {
                    task.run();
                    done = true;
                }
            } catch (RuntimeException | Error e) {
                failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
            } finally {
                if (!done && otherwise != null) {
                    otherwise.run();
                }
                pending.decrementAndGet();
            }
        });
    }

    private void failed() {
        RuntimeException e = failure;
        if (e != null) {
            throw e;
        }
    }

    /** Waits till the store thread did everything handed to it (uninterruptibly: the lines are stored first). */
    private void awaitDone() {
        thread.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (thread.awaitTermination(1, TimeUnit.DAYS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        failed();
    }

    /** Stops the thread (after what it was given), gives back the native compressor and the connection. */
    @Override
    public void close() {
        try {
            awaitDone();
        } catch (RuntimeException e) {
            // already thrown to the writer, which logged it
        } finally {
            compressor.close();
            rows.close();
        }
    }
}
