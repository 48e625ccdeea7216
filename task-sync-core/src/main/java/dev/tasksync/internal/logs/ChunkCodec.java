package dev.tasksync.internal.logs;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.tasksync.LogLine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The stored form of a chunk: per line its time (epoch microseconds), its stream and its UTF-8 text, compressed
 * with zstd (chunks stored before, or where zstd cannot load, are deflated; the reader tells them by their first
 * bytes). Lines are appended raw on the step's thread (a copy); compressing is left to the writer thread.
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

    /**
     * Compresses a writer's chunks: Zstandard at level 1 (about four times faster than deflate's fastest level on
     * log text, and smaller); deflate where zstd-jni's native library cannot load. One per writer thread.
     */
    static final class Compressor implements AutoCloseable {
        private final ZstdCompressCtx zstd = newZstd();
        private final Deflater deflater = zstd == null ? new Deflater(Deflater.BEST_SPEED) : null;
        private byte[] out = new byte[0];

        byte[] compress(byte[] raw, int length) {
            if (zstd != null) {
                int bound = (int) Zstd.compressBound(length);
                if (out.length < bound) {
                    out = new byte[bound];
                }
                int n = zstd.compressByteArray(out, 0, out.length, raw, 0, length);
                return Arrays.copyOf(out, n);
            }
            deflater.reset();
            return deflate(deflater, raw, length);
        }

        @Override
        public void close() {
            if (zstd != null) {
                zstd.close();
            } else {
                deflater.end();
            }
        }

        private static ZstdCompressCtx newZstd() {
            try {
                ZstdCompressCtx ctx = new ZstdCompressCtx();
                ctx.setLevel(1);
                return ctx;
            } catch (LinkageError e) {
                return null; // no native zstd for this platform
            }
        }
    }

    /** A chunk deflated (the form V12 stored, and the fallback). */
    static byte[] deflate(byte[] raw, int length) {
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try {
            return deflate(deflater, raw, length);
        } finally {
            deflater.end();
        }
    }

    private static byte[] deflate(Deflater deflater, byte[] raw, int length) {
        deflater.setInput(raw, 0, length);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, length / 4));
        byte[] buffer = new byte[16 * 1024];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        return out.toByteArray();
    }

    /** The lines of a stored chunk. */
    static List<LogLine> lines(byte[] data) {
        byte[] raw = decompress(data);
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

    /** A zstd frame starts with its magic number (little-endian 0xFD2FB528); a deflated chunk with 0x78. */
    private static boolean isZstd(byte[] data) {
        return data.length >= 4 && (data[0] & 0xFF) == 0x28 && (data[1] & 0xFF) == 0xB5 && (data[2] & 0xFF) == 0x2F
                && (data[3] & 0xFF) == 0xFD;
    }

    private static byte[] decompress(byte[] data) {
        if (!isZstd(data)) {
            return inflate(data);
        }
        try {
            long size = Zstd.getFrameContentSize(data);
            if (size < 0 || size > Integer.MAX_VALUE) {
                throw new IllegalStateException("a stored log chunk is corrupt: no zstd frame size (" + size + ")");
            }
            return Zstd.decompress(data, (int) size);
        } catch (ZstdException e) {
            throw new IllegalStateException("a stored log chunk is corrupt: " + e.getMessage(), e);
        }
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
