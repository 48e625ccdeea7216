package dev.tasksync.docker;

import dev.tasksync.spi.StepLog;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Captures a process's stdout and stderr apart: bounded tails for results, whole lines to the step log. */
final class Output {
    /** How many characters of each stream are kept in results. */
    static final int TAIL_CHARS = 8192;

    private final StepLog log;
    private final String prefix;
    private final Stream stdout = new Stream("");
    private final Stream stderr = new Stream("[stderr] ");

    Output(StepLog log, String prefix) {
        this.log = log;
        this.prefix = prefix == null ? "" : prefix;
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

    private final class Stream {
        private final String label;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final StringBuilder tail = new StringBuilder();

        Stream(String label) {
            this.label = label;
        }

        void add(byte[] bytes) {
            for (byte b : bytes) {
                line.write(b);
                if (b == '\n') {
                    flush();
                }
            }
        }

        void flush() {
            if (line.size() == 0) {
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            tail.append(text);
            if (tail.length() > 2 * TAIL_CHARS) {
                tail.delete(0, tail.length() - TAIL_CHARS);
            }
            if (log != null) {
                log.line(prefix + label + text.stripTrailing());
            }
        }

        String tail() {
            return tail.length() <= TAIL_CHARS ? tail.toString() : tail.substring(tail.length() - TAIL_CHARS);
        }
    }
}
