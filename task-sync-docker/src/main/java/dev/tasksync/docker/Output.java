package dev.tasksync.docker;

import dev.tasksync.LogLine;
import dev.tasksync.spi.StepLog;

import java.nio.charset.StandardCharsets;

/**
 * Captures a process's stdout and stderr apart: bounded tails for results, lines to the step log. Memory stays
 * bounded whatever the output's shape: a line longer than {@link #MAX_LINE_BYTES} is logged cut, with a note
 * saying how long it was, and the rest of it is dropped as it streams by (a 200 MB line with no newline takes
 * {@code MAX_LINE_BYTES}, not 200 MB); the tails keep the last bytes of each stream.
 */
final class Output {
    /** How many characters of each stream are kept in results. */
    static final int TAIL_CHARS = 8192;
    /** The longest line sent to the log; longer lines are cut there, and the cut is logged. */
    static final int MAX_LINE_BYTES = 16 * 1024;
    /** Enough bytes for {@link #TAIL_CHARS} characters of UTF-8. */
    private static final int TAIL_BYTES = 4 * TAIL_CHARS;

    private final StepLog log;
    private final String prefix;
    /** Sees every byte of both streams, not only the tails (null: none). */
    private final MarkerScan scan;
    private final Stream stdout = new Stream("", LogLine.Stream.STDOUT, 0);
    private final Stream stderr = new Stream("[stderr] ", LogLine.Stream.STDERR, 1);

    Output(StepLog log, String prefix) {
        this(log, prefix, null);
    }

    Output(StepLog log, String prefix, MarkerScan scan) {
        this.log = log;
        this.prefix = prefix == null ? "" : prefix;
        this.scan = scan;
    }

    synchronized void stdout(byte[] bytes) {
        stdout.add(bytes);
    }

    synchronized void stderr(byte[] bytes) {
        stderr.add(bytes);
    }

    /** Flushes unterminated last lines to the log. */
    synchronized void finish() {
        stdout.flush();
        stderr.flush();
    }

    synchronized String stdoutTail() {
        return stdout.tail();
    }

    synchronized String stderrTail() {
        return stderr.tail();
    }

    /** How many lines were cut in the log for being longer than {@link #MAX_LINE_BYTES}. */
    synchronized int linesCut() {
        return stdout.linesCut + stderr.linesCut;
    }

    private final class Stream {
        private final String label;
        /** Told to the log with each line, so that the stored log keeps which stream it came from. */
        private final LogLine.Stream stream;
        private final byte[] line = new byte[MAX_LINE_BYTES];
        private int lineLength;
        /** Bytes of the current line beyond {@link #MAX_LINE_BYTES}: dropped, only counted. */
        private long dropped;
        private int linesCut;
        private final byte[] tail = new byte[TAIL_BYTES];
        private long total;
        private final int index;

        Stream(String label, LogLine.Stream stream, int index) {
            this.label = label;
            this.stream = stream;
            this.index = index;
        }

        void add(byte[] bytes) {
            if (scan != null) {
                scan.feed(index, bytes);
            }
            keepTail(bytes);
            int from = 0;
            while (from < bytes.length) {
                int newline = indexOf(bytes, (byte) '\n', from);
                int end = newline < 0 ? bytes.length : newline + 1;
                append(bytes, from, end - from);
                if (newline >= 0) {
                    flush();
                }
                from = end;
            }
        }

        private void append(byte[] bytes, int from, int length) {
            int room = line.length - lineLength;
            int kept = Math.min(room, length);
            System.arraycopy(bytes, from, line, lineLength, kept);
            lineLength += kept;
            if (kept < length) {
                if (dropped == 0) {
                    // Logged now, so that a line that never ends is seen before the process does.
                    logLine(text(line, lineLength) + " [line cut: longer than " + MAX_LINE_BYTES + " bytes]");
                    linesCut++;
                }
                dropped += length - kept;
            }
        }

        void flush() {
            if (dropped > 0) {
                logLine("[the line above went on for " + dropped + " more bytes, left out of the log]");
                dropped = 0;
            } else if (lineLength > 0) {
                logLine(text(line, lineLength));
            }
            lineLength = 0;
        }

        private void logLine(String text) {
            if (log != null) {
                log.line(stream, prefix + label + text.stripTrailing());
            }
        }

        private void keepTail(byte[] bytes) {
            int n = Math.min(bytes.length, tail.length);
            int off = bytes.length - n;
            int pos = (int) (total % tail.length);
            int first = Math.min(n, tail.length - pos);
            System.arraycopy(bytes, off, tail, pos, first);
            System.arraycopy(bytes, off + first, tail, 0, n - first);
            total += bytes.length;
        }

        String tail() {
            int n = (int) Math.min(total, tail.length);
            byte[] last = new byte[n];
            int start = (int) ((total - n) % tail.length);
            int first = Math.min(n, tail.length - start);
            System.arraycopy(tail, start, last, 0, first);
            System.arraycopy(tail, 0, last, first, n - first);
            int skip = 0;
            if (total > n) {
                while (skip < n && (last[skip] & 0xC0) == 0x80) {
                    skip++; // the middle of a character cut by the tail's start
                }
            }
            String text = new String(last, skip, n - skip, StandardCharsets.UTF_8);
            return text.length() <= TAIL_CHARS ? text : text.substring(text.length() - TAIL_CHARS);
        }
    }

    private static String text(byte[] bytes, int length) {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
