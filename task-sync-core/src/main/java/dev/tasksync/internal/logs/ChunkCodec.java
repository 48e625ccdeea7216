package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The stored form of a chunk: per line its time (epoch microseconds), its stream and its UTF-8 text, deflated.
 * Lines are appended raw on the step's thread (a copy); compressing is left to the writer thread.
 */
final class ChunkCodec {
    private static final int HEADER = 8 + 1 + 4;

    private ChunkCodec() {
    }

    /** A chunk being filled: raw encoded lines in a growable array. */
    static final class Raw {
        final int seq;
        byte[] bytes;
        int length;
        int lines;
        /** Bytes of text the chunk holds, a newline counted per line (what a reader prints). */
        int textBytes;
        final long firstNanos;

        Raw(int seq, int capacity, long firstNanos) {
            this.seq = seq;
            this.bytes = new byte[capacity];
            this.firstNanos = firstNanos;
        }

        void add(long epochMicros, LogLine.Stream stream, byte[] text) {
            int need = length + HEADER + text.length;
            if (need > bytes.length) {
                byte[] grown = new byte[Math.max(need, bytes.length * 2)];
                System.arraycopy(bytes, 0, grown, 0, length);
                bytes = grown;
            }
            for (int i = 7; i >= 0; i--) {
                bytes[length++] = (byte) (epochMicros >>> (8 * i));
            }
            bytes[length++] = (byte) stream.ordinal();
            int n = text.length;
            bytes[length++] = (byte) (n >>> 24);
            bytes[length++] = (byte) (n >>> 16);
            bytes[length++] = (byte) (n >>> 8);
            bytes[length++] = (byte) n;
            System.arraycopy(text, 0, bytes, length, n);
            length += n;
            lines++;
            textBytes += n + 1;
        }
    }

    static byte[] deflate(byte[] raw, int length) {
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try {
            deflater.setInput(raw, 0, length);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, length / 4));
            byte[] buffer = new byte[16 * 1024];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** The lines of a stored chunk. */
    static List<LogLine> lines(byte[] data) {
        byte[] raw = inflate(data);
        List<LogLine> lines = new ArrayList<>();
        LogLine.Stream[] streams = LogLine.Stream.values();
        int p = 0;
        while (p + HEADER <= raw.length) {
            long micros = 0;
            for (int i = 0; i < 8; i++) {
                micros = (micros << 8) | (raw[p++] & 0xFF);
            }
            LogLine.Stream stream = streams[raw[p++]];
            int n = ((raw[p] & 0xFF) << 24) | ((raw[p + 1] & 0xFF) << 16) | ((raw[p + 2] & 0xFF) << 8) | (raw[p + 3] & 0xFF);
            p += 4;
            String text = new String(raw, p, n, StandardCharsets.UTF_8);
            p += n;
            lines.add(new LogLine(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000), stream, text));
        }
        return lines;
    }

    private static byte[] inflate(byte[] data) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length * 4);
            byte[] buffer = new byte[32 * 1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break; // truncated: what was there is returned
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IllegalStateException("a stored log chunk is corrupt: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }
}
