package dev.tasksync.internal.engine;

import java.util.ArrayDeque;
import java.util.Deque;

/** Keeps the last lines of a step's log, bounded in lines and characters. */
final class LogTail {
    static final int MAX_LINES = 200;
    static final int MAX_CHARS = 16 * 1024;

    private final Deque<String> lines = new ArrayDeque<>();
    private int chars;

    synchronized void add(String line) {
        lines.addLast(line);
        chars += line.length() + 1;
        while (lines.size() > MAX_LINES || (chars > MAX_CHARS && lines.size() > 1)) {
            chars -= lines.removeFirst().length() + 1;
        }
    }

    synchronized String text() {
        return lines.isEmpty() ? null : String.join("\n", lines);
    }
}
