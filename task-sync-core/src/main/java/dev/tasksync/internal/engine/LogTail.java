package dev.tasksync.internal.engine;

import java.util.ArrayDeque;
import java.util.Deque;

/** Keeps the last lines of a step's log, bounded in lines, characters, and characters per line. */
final class LogTail {
    static final int MAX_LINES = 200;
    static final int MAX_CHARS = 16 * 1024;
    /** Longer lines are cut: one huge line (a binary dump, a minified file) must not fill the heap or the tail. */
    static final int MAX_LINE_CHARS = 4 * 1024;
    /** Room for the mark that says how much was cut. */
    private static final int MARK_ROOM = 40;

    private final Deque<String> lines = new ArrayDeque<>();
    private int chars;

    /** The line, or its first {@link #MAX_LINE_CHARS} characters and how many were cut. */
    static String cap(String line) {
        if (line == null) {
            return "";
        }
        if (line.length() <= MAX_LINE_CHARS + MARK_ROOM) {
            return line; // also a line cut already: cutting is idempotent
        }
        int keep = Character.isHighSurrogate(line.charAt(MAX_LINE_CHARS - 1)) ? MAX_LINE_CHARS - 1 : MAX_LINE_CHARS;
        return line.substring(0, keep) + " [... " + (line.length() - keep) + " more characters]";
    }

    synchronized void add(String line) {
        String kept = cap(line);
        lines.addLast(kept);
        chars += kept.length() + 1;
        while (lines.size() > MAX_LINES || (chars > MAX_CHARS && lines.size() > 1)) {
            chars -= lines.removeFirst().length() + 1;
        }
    }

    synchronized String text() {
        return lines.isEmpty() ? null : String.join("\n", lines);
    }
}
