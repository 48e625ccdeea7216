package dev.tasksync.internal.logs;

import java.util.ArrayDeque;

/**
 * Chunks to compress, shared by an attempt's writer and the thread that closed its log: once the step's body has
 * returned, its thread waits for the last chunk anyway, so it compresses the chunks (each an independent zstd
 * frame) while the writer encodes the next ones and sends those compressed, in seq order, keeping the cap's
 * accounting ({@link RollingTail}) to itself. While nobody helps (or the helper failed), the writer compresses
 * each chunk itself.
 */
final class CompressQueue {
    /** Chunks the writer queues before it waits for the helper (a bound on their memory). */
    static final int AHEAD = 8;

    private final ArrayDeque<ChunkCodec.Raw> todo = new ArrayDeque<>();
    private final ArrayDeque<byte[]> spares = new ArrayDeque<>();
    private boolean helping;
    private boolean over;
    /** Chunks the helper compressed (for tests). */
    private int helped;

    /** Whether a helper is there: the writer then queues its chunks ({@link #submit}). */
    synchronized boolean helping() {
        return helping && !over;
    }

    /**
     * A thread is about to {@link #help}: from now on the writer queues the chunks it cuts, and waits for them.
     * Call {@link #over} instead of {@code help} if it does not.
     */
    synchronized void expectHelp() {
        helping = true;
    }

    /**
     * The writer: queues a cut chunk for the helper; waits while {@link #AHEAD} are queued. If the helper stopped,
     * the writer compresses the chunk itself.
     */
    void submit(ChunkCodec.Raw chunk, ChunkCodec.Compressor compressor) {
        boolean interrupted = false;
        synchronized (this) {
            while (helping() && todo.size() >= AHEAD) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (helping()) {
                todo.addLast(chunk);
                notifyAll();
                chunk = null;
            }
        }
        if (chunk != null) {
            done(chunk, compressor.compress(chunk.bytes, chunk.length));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A chunk compressed: its array goes back for a later chunk. */
    synchronized void done(ChunkCodec.Raw chunk, byte[] data) {
        chunk.data = data;
        spares.addLast(chunk.bytes);
        chunk.bytes = null;
        notifyAll();
    }

    /** An array of a chunk compressed before, or null. */
    synchronized byte[] spare() {
        return spares.pollFirst();
    }

    /**
     * The writer: waits till the chunk is compressed; compresses what is queued itself once no helper is there
     * (a chunk compressed as it was cut returns at once).
     */
    void await(ChunkCodec.Raw chunk, ChunkCodec.Compressor compressor) {
        boolean interrupted = false;
        while (true) {
            ChunkCodec.Raw next;
            synchronized (this) {
                if (chunk.data != null) {
                    break;
                }
                next = helping() ? null : todo.pollFirst();
                if (next == null) {
                    try {
                        wait(); // the helper is compressing it
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                    continue;
                }
            }
            done(next, compressor.compress(next.bytes, next.length));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The writer ended (or nobody will help): a helper stops, and the writer queues nothing more. */
    synchronized void over() {
        over = true;
        notifyAll();
    }

    synchronized int helped() {
        return helped;
    }

    /**
     * The closing thread: compresses queued chunks until the writer ended. A failure to compress gives the chunk
     * back to the writer, which then compresses the rest itself.
     */
    void help() {
        boolean interrupted = false;
        ChunkCodec.Compressor compressor = null;
        try {
            while (true) {
                ChunkCodec.Raw chunk;
                synchronized (this) {
                    while ((chunk = todo.pollFirst()) == null && !over) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            interrupted = true; // the lines are stored first; the interrupt is kept for the caller
                        }
                    }
                    notifyAll(); // room for the writer
                }
                if (chunk == null) {
                    return;
                }
                byte[] data;
                try {
                    if (compressor == null) {
                        compressor = new ChunkCodec.Compressor();
                    }
                    data = compressor.compress(chunk.bytes, chunk.length);
                } catch (RuntimeException | Error e) {
                    synchronized (this) {
                        todo.addFirst(chunk);
                        helping = false;
                        notifyAll();
                    }
                    return;
                }
                synchronized (this) {
                    helped++;
                }
                done(chunk, data);
            }
        } finally {
            if (compressor != null) {
                compressor.close();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
