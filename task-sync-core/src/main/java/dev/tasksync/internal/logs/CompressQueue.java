package dev.tasksync.internal.logs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs of lines to encode and compress into chunks, shared by an attempt's writer and the thread that closed its
 * log: once the step's body has returned, its thread waits for the last chunk anyway, so it encodes and
 * compresses runs of lines (each chunk an independent zstd frame, its first line's time in full) while the writer
 * takes the next lines, and the writer does the same with the runs still queued instead of waiting. Chunks get
 * their seqs, and the cap its accounting ({@link RollingTail}), only when the writer places them, in order. While
 * nobody helps (or the helper failed), the writer runs each run itself as it is cut.
 */
final class CompressQueue {
    /** Runs the writer queues before it runs them itself (a bound on their memory). */
    static final int AHEAD = 8;

    /** A thread's tools for encoding runs: its compressor and the characters of an ASCII line on their way. */
    static final class Encoder implements AutoCloseable {
        final ChunkCodec.Compressor compressor = new ChunkCodec.Compressor();
        /** The characters of an ASCII line on their way into a chunk ({@link ChunkCodec.Raw#addAscii}). */
        final ChunkCodec.Ascii ascii = new ChunkCodec.Ascii(ChunkWriter.MAX_LINE_BYTES);

        @Override
        public void close() {
            compressor.close();
        }
    }

    /**
     * Lines taken in order, for one chunk or a few (a run whose UTF-8 is longer than its characters): slices of the
     * hand-over's blocks as they are, each with the time of its mark, so that taking them costs the writer nothing
     * per line; {@link #encode encoded} by whichever thread gets to it first, which frees the lines' slots.
     */
    static final class Run {
        /** Estimated encoded bytes per line besides its characters (its header, its newline). */
        static final int LINE_BYTES = 3;
        /** When the first line was taken: a follower's wait counts from here. */
        final long firstNanos;
        private final int chunkBytes;
        private String[][] texts = new String[4][];
        private byte[][] streams = new byte[4][];
        private int[] from = new int[4];
        private int[] to = new int[4];
        private long[] micros = new long[4];
        private int slices;
        private int lines;
        /** The lines' characters and {@link #LINE_BYTES} each. */
        private long size;
        /** The run's chunks, encoded and compressed (their raw bytes kept until placed); guarded by the queue. */
        List<ChunkCodec.Raw> chunks;
        private boolean done;
        /** What encoding it threw on the helper (the writer then runs it again). */
        private Throwable failure;

        Run(long firstNanos, int chunkBytes) {
            this.firstNanos = firstNanos;
            this.chunkBytes = chunkBytes;
        }

        /** Estimated bytes the run takes before it is cut (more than 0 while it is not). */
        long room() {
            return chunkBytes - size;
        }

        /**
         * Appends lines {@code [first, last)} of a block's arrays, all of the time {@code epochMicros}, of
         * {@code bytes} estimated; true once the run is about a chunk long.
         */
        boolean add(String[] lineTexts, byte[] lineStreams, int first, int last, long epochMicros, long bytes) {
            if (slices == texts.length) {
                int n = slices * 2;
                texts = Arrays.copyOf(texts, n);
                streams = Arrays.copyOf(streams, n);
                from = Arrays.copyOf(from, n);
                to = Arrays.copyOf(to, n);
                micros = Arrays.copyOf(micros, n);
            }
            texts[slices] = lineTexts;
            streams[slices] = lineStreams;
            from[slices] = first;
            to[slices] = last;
            micros[slices] = epochMicros;
            slices++;
            lines += last - first;
            size += bytes;
            return size >= chunkBytes;
        }

        int lines() {
            return lines;
        }

        /** Encodes the lines into chunks of up to {@code chunkBytes} of text, compresses each, frees the slots. */
        void encode(Encoder encoder, CompressQueue queue) {
            List<ChunkCodec.Raw> out = new ArrayList<>(2);
            ChunkCodec.Raw current = null;
            for (int s = 0; s < slices; s++) {
                String[] lineTexts = texts[s];
                byte[] lineStreams = streams[s];
                long time = micros[s];
                for (int i = from[s], end = to[s]; i < end; i++) {
                    if (current == null) {
                        current = queue.raw(chunkBytes, firstNanos);
                    }
                    String line = lineTexts[i];
                    if (current.addAscii(time, lineStreams[i], line, encoder.ascii) < 0) {
                        current.add(time, lineStreams[i], utf8(line));
                    }
                    if (current.textBytes >= chunkBytes) {
                        out.add(compressed(current, encoder));
                        current = null;
                    }
                }
            }
            if (current != null) {
                out.add(compressed(current, encoder));
            }
            chunks = out;
            for (int s = 0; s < slices; s++) { // encoded: the lines are garbage now (a failed run keeps them for a retry)
                Arrays.fill(texts[s], from[s], to[s], null);
                texts[s] = null;
            }
        }

        private static ChunkCodec.Raw compressed(ChunkCodec.Raw chunk, Encoder encoder) {
            chunk.data = encoder.compressor.compress(chunk.bytes, chunk.length);
            return chunk;
        }
    }

    /** A line's UTF-8, cut at {@link ChunkWriter#MAX_LINE_BYTES} with a note of its length. */
    static byte[] utf8(String line) {
        byte[] text = line.getBytes(StandardCharsets.UTF_8);
        if (text.length > ChunkWriter.MAX_LINE_BYTES) {
            String cut = new String(text, 0, ChunkWriter.MAX_LINE_BYTES, StandardCharsets.UTF_8)
                    + " [line cut: " + text.length + " bytes, longer than " + ChunkWriter.MAX_LINE_BYTES + "]";
            text = cut.getBytes(StandardCharsets.UTF_8);
        }
        return text;
    }

    private final ArrayDeque<Run> todo = new ArrayDeque<>();
    private final ArrayDeque<byte[]> spares = new ArrayDeque<>();
    private boolean helping;
    private boolean over;
    /** Chunks the helper encoded and compressed (for tests). */
    private int helped;

    /** Whether a helper is there: the writer then queues its runs ({@link #submit}). */
    synchronized boolean helping() {
        return helping && !over;
    }

    /**
     * A thread is about to {@link #help}: from now on the writer queues the runs it cuts, and waits for them.
     * Call {@link #over} instead of {@code help} if it does not.
     */
    synchronized void expectHelp() {
        helping = true;
    }

    /** A chunk to fill, in an array a chunk placed before gave back if there is one (no array zeroed per chunk). */
    ChunkCodec.Raw raw(int chunkBytes, long firstNanos) {
        byte[] buffer;
        synchronized (this) {
            buffer = spares.pollFirst();
        }
        return buffer != null && buffer.length >= chunkBytes
                ? new ChunkCodec.Raw(-1, buffer, firstNanos) : new ChunkCodec.Raw(-1, chunkBytes + 1024, firstNanos);
    }

    /** The writer: a placed chunk's raw array, for a later chunk. */
    synchronized void giveBack(byte[] buffer) {
        if (spares.size() < 2 * AHEAD) {
            spares.addLast(buffer);
        }
    }

    /** Whether the run is encoded (by either thread). */
    synchronized boolean done(Run run) {
        return run.done && run.failure == null;
    }

    /** The writer: queues a cut run for whichever thread comes first; runs it at once if nobody helps. */
    void submit(Run run, Encoder encoder) {
        synchronized (this) {
            if (helping()) {
                todo.addLast(run);
                notifyAll();
                return;
            }
        }
        runHere(run, encoder);
    }

    /**
     * The writer: waits till the run is encoded, meanwhile running queued runs (oldest first) itself. A run the
     * helper failed on is run again here; what encoding throws on the writer is the writer's.
     */
    void await(Run run, Encoder encoder) {
        boolean interrupted = false;
        try {
            while (true) {
                Run next;
                synchronized (this) {
                    if (run.done && run.failure == null) {
                        return;
                    }
                    if (run.done) {
                        next = run; // the helper failed on it
                    } else if ((next = todo.pollFirst()) == null) {
                        try {
                            wait(); // the helper is encoding it
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                        continue;
                    }
                }
                runHere(next, encoder);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The writer runs a run: a failure is thrown (the writer's own, as any failure to store). */
    private void runHere(Run run, Encoder encoder) {
        run.encode(encoder, this);
        synchronized (this) {
            run.failure = null;
            run.done = true;
            notifyAll();
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
     * The closing thread: encodes and compresses queued runs until the writer ended. On a failure it stops
     * helping: the writer runs that run again and the rest itself.
     */
    void help() {
        boolean interrupted = false;
        Encoder encoder = null;
        try {
            while (true) {
                Run run;
                synchronized (this) {
                    while ((run = todo.pollFirst()) == null && !over) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            interrupted = true; // the lines are stored first; the interrupt is kept for the caller
                        }
                    }
                }
                if (run == null) {
                    return;
                }
                Throwable failure = null;
                try {
                    if (encoder == null) {
                        encoder = new Encoder();
                    }
                    run.encode(encoder, this);
                } catch (RuntimeException | Error e) {
                    failure = e;
                }
                synchronized (this) {
                    run.failure = failure;
                    run.done = true;
                    notifyAll();
                    if (failure != null) {
                        helping = false;
                        return;
                    }
                    helped += run.chunks.size();
                }
            }
        } finally {
            if (encoder != null) {
                encoder.close();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
