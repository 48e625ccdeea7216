package dev.tasksync.internal.logs;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.tasksync.LogLine;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The stored form of a chunk, compressed with zstd (chunks stored before, or where zstd cannot load, are deflated;
 * the reader tells them by their first bytes). Decompressed, a chunk of {@link #FORMAT} 2 is that byte, the epoch
 * microseconds of its first line (8 bytes), then per line a varint of microseconds since the line before, a varint
 * of its length shifted left once with its stream in the low bit, and its UTF-8 text: about 3 bytes a line where
 * the first format spent 13. Chunks of the first format start with a line's 8-byte time, whose first byte is 0
 * for any time before the year 4253, so they still read. Lines are encoded and compressed on the writer thread.
 */
final class ChunkCodec {
    /** The first (decompressed) byte of a chunk of this format. */
    static final byte FORMAT = 2;
    /** The first format: per line its 8-byte time, a stream byte and a 4-byte length. */
    private static final int V1_HEADER = 8 + 1 + 4;
    /** Zstandard's fast levels are below 1: -1 compresses log text about twice as fast as 1, a little larger. */
    static final int ZSTD_LEVEL = -1;

    private ChunkCodec() {
    }

    /** A chunk being filled: raw encoded lines in a growable array. */
    static final class Raw {
        /** Its place in the log: given when the writer places the chunk (-1 till then). */
        int seq;
        byte[] bytes;
        int length;
        int lines;
        /** Bytes of text the chunk holds, a newline counted per line (what a reader prints). */
        int textBytes;
        final long firstNanos;
        /** The chunk compressed, once it is (by the writer, or by the thread that closed the log). */
        byte[] data;
        private long lastMicros;

        Raw(int seq, int capacity, long firstNanos) {
            this(seq, new byte[Math.max(capacity, 16)], firstNanos);
        }

        /** A chunk filled in {@code buffer} (one a chunk before used and gave back: no array zeroed per chunk). */
        Raw(int seq, byte[] buffer, long firstNanos) {
            this.seq = seq;
            this.bytes = buffer;
            this.firstNanos = firstNanos;
            bytes[0] = FORMAT;
            length = 1 + 8; // the first line's time goes after the format byte
        }

        /** Appends a line; its time is made no earlier than the line before's. */
        void add(long epochMicros, LogLine.Stream stream, byte[] text) {
            add(epochMicros, stream.ordinal(), text);
        }

        /**
         * Appends a line of UTF-8 bytes: for an ASCII string, {@code String.getBytes(UTF_8)} is one vectorized check
         * and copy in the JDK, which is faster than copying it a char at a time (its array is young garbage).
         */
        void add(long epochMicros, int stream, byte[] text) {
            int n = text.length;
            int at = header(epochMicros, stream, n);
            System.arraycopy(text, 0, bytes, at, n);
            added(epochMicros, at + n, n);
        }

        /**
         * Appends a line of ASCII characters straight from the string, with no array made for it, and returns its
         * length; returns -1 (nothing appended) if it has a character above 127, or more than the scratch holds.
         * The characters are copied out ({@code getChars}, a vectorized copy in the JDK) and checked and narrowed in
         * one pass by the JDK's US-ASCII encoder (the low bytes of a UTF-16 string would look like ASCII for many
         * characters, so the string's own bytes cannot be taken); about a fifth less CPU than checking the
         * characters in a loop and then copying the string's bytes, and half of {@code getBytes(UTF_8)}, whose
         * array per line was 100 MB of garbage per 100 MB of log.
         */
        int addAscii(long epochMicros, int stream, String line, Ascii ascii) {
            int n = line.length();
            if (n > ascii.chars.length) {
                return -1;
            }
            line.getChars(0, n, ascii.chars, 0);
            int at = header(epochMicros, stream, n); // nothing is counted till added(): a refused line leaves no trace
            if (!ascii.encode(n, bytes, at)) {
                return -1;
            }
            added(epochMicros, at + n, n);
            return n;
        }

        /**
         * Cuts the chunk after its first line at which its text reaches {@code upTo} bytes (a newline counted per
         * line) and returns the lines after that one as a chunk of their own, in {@code buffer} if it is long
         * enough, or null if that line is the last. The rest's header holds the time of the line before it, so
         * that its first line's step still adds up. Both need compressing (again).
         */
        Raw splitAfter(long upTo, byte[] buffer) {
            long micros = 0;
            for (int i = 0; i < 8; i++) {
                micros = (micros << 8) | (bytes[1 + i] & 0xFF);
            }
            int[] at = {1 + 8};
            long text = 0;
            int kept = 0;
            while (at[0] < length && text < upTo) {
                micros += readVarint(bytes, at);
                int n = (int) (readVarint(bytes, at) >>> 1);
                at[0] += n;
                text += n + 1;
                kept++;
            }
            if (at[0] >= length) {
                return null;
            }
            data = null;
            int restLength = length - at[0];
            Raw rest = new Raw(-1, buffer != null && buffer.length >= 9 + restLength ? buffer : new byte[9 + restLength + 1024],
                    firstNanos);
            for (int i = 0; i < 8; i++) {
                rest.bytes[1 + i] = (byte) (micros >>> (56 - 8 * i));
            }
            System.arraycopy(bytes, at[0], rest.bytes, 9, restLength);
            rest.length = 9 + restLength;
            rest.lines = lines - kept;
            rest.textBytes = textBytes - (int) text;
            rest.lastMicros = lastMicros;
            length = at[0];
            lines = kept;
            this.textBytes = (int) text;
            lastMicros = micros;
            return rest;
        }

        /** Writes a line's time and length after the chunk's bytes, with room for its text; returns where it goes. */
        private int header(long epochMicros, int stream, int n) {
            int need = length + 20 + n;
            if (need > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(need, bytes.length * 2));
            }
            if (lines == 0) {
                for (int i = 0; i < 8; i++) {
                    bytes[1 + i] = (byte) (epochMicros >>> (56 - 8 * i));
                }
                lastMicros = epochMicros;
            }
            int at = varint(bytes, length, Math.max(0, epochMicros - lastMicros));
            return varint(bytes, at, ((long) n << 1) | stream);
        }

        private void added(long epochMicros, int end, int n) {
            lastMicros = Math.max(lastMicros, epochMicros);
            length = end;
            lines++;
            textBytes += n + 1;
        }

        private static int varint(byte[] into, int at, long value) {
            while ((value & ~0x7FL) != 0) {
                into[at++] = (byte) ((value & 0x7F) | 0x80);
                value >>>= 7;
            }
            into[at++] = (byte) value;
            return at;
        }
    }

    /** A thread's scratch for {@link Raw#addAscii}: the characters of a line, and the JDK's US-ASCII encoder. */
    static final class Ascii {
        final char[] chars;
        private final CharBuffer in;
        private final CharsetEncoder encoder = StandardCharsets.US_ASCII.newEncoder();
        private ByteBuffer out;

        Ascii(int maxChars) {
            chars = new char[maxChars];
            in = CharBuffer.wrap(chars);
        }

        /** Narrows the first {@code n} characters into {@code into} at {@code at}; false if one is not ASCII. */
        boolean encode(int n, byte[] into, int at) {
            if (out == null || out.array() != into) {
                out = ByteBuffer.wrap(into);
            }
            in.limit(n).position(0);
            out.limit(at + n).position(at);
            encoder.reset();
            CoderResult result = encoder.encode(in, out, true);
            return !result.isError() && !in.hasRemaining();
        }
    }

    /**
     * Compresses a writer's chunks: Zstandard at {@link #ZSTD_LEVEL} (several times faster than deflate's fastest
     * level on log text, and smaller); deflate where zstd-jni's native library cannot load. One per writer thread.
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
                ctx.setLevel(ZSTD_LEVEL);
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

    /** The lines of a stored chunk, of either format. */
    static List<LogLine> lines(byte[] data) {
        byte[] raw = decompress(data);
        return raw.length > 0 && raw[0] == FORMAT ? linesOf(raw) : firstFormatLines(raw);
    }

    private static List<LogLine> linesOf(byte[] raw) {
        List<LogLine> lines = new ArrayList<>();
        LogLine.Stream[] streams = LogLine.Stream.values();
        long micros = 0;
        for (int i = 0; i < 8; i++) {
            micros = (micros << 8) | (raw[1 + i] & 0xFF);
        }
        int[] at = {1 + 8};
        while (at[0] < raw.length) {
            micros += readVarint(raw, at);
            long lengthAndStream = readVarint(raw, at);
            int n = (int) (lengthAndStream >>> 1);
            int p = at[0];
            if (p + n > raw.length) {
                throw new IllegalStateException("a stored log chunk is corrupt: a line runs past its end");
            }
            lines.add(new LogLine(instant(micros), streams[(int) (lengthAndStream & 1)], new String(raw, p, n, StandardCharsets.UTF_8)));
            at[0] = p + n;
        }
        return lines;
    }

    private static long readVarint(byte[] raw, int[] at) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= raw.length) {
                throw new IllegalStateException("a stored log chunk is corrupt: it ends inside a line's header");
            }
            byte b = raw[at[0]++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalStateException("a stored log chunk is corrupt: a varint runs too long");
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
    }

    /** Chunks stored before format 2: a fixed 13-byte header per line. */
    private static List<LogLine> firstFormatLines(byte[] raw) {
        List<LogLine> lines = new ArrayList<>();
        LogLine.Stream[] streams = LogLine.Stream.values();
        int p = 0;
        while (p + V1_HEADER <= raw.length) {
            long micros = 0;
            for (int i = 0; i < 8; i++) {
                micros = (micros << 8) | (raw[p++] & 0xFF);
            }
            LogLine.Stream stream = streams[raw[p++]];
            int n = ((raw[p] & 0xFF) << 24) | ((raw[p + 1] & 0xFF) << 16) | ((raw[p + 2] & 0xFF) << 8) | (raw[p + 3] & 0xFF);
            p += 4;
            String text = new String(raw, p, n, StandardCharsets.UTF_8);
            p += n;
            lines.add(new LogLine(instant(micros), stream, text));
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
