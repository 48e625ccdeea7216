package dev.tasksync.internal.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Keeps the last lines of a step's log, bounded in lines, characters, and characters per line. A line costs an
 * atomic increment and two ordered stores into a ring, with no lock (a step printing a million lines spent most of
 * its own time in the lock and the deque of the tail); which of the last lines fit the bounds is worked out once,
 * when the tail is read.
 */
final class LogTail {
    static final int MAX_LINES = 200;
    static final int MAX_CHARS = 16 * 1024;
    /** Longer lines are cut: one huge line (a binary dump, a minified file) must not fill the heap or the tail. */
    static final int MAX_LINE_CHARS = 4 * 1024;
    /** Room for the mark that says how much was cut. */
    private static final int MARK_ROOM = 40;
    /** Slots of the ring: a power of two above {@link #MAX_LINES}. */
    private static final int RING = 256;

    /**
     * The ring, made by the first line: most steps print nothing (a no-op, a file check), and a ring made for every
     * attempt was a tenth of what a 10,000-step fan-out's step threads allocated.
     */
    private volatile Ring ring;
    private final AtomicLong added = new AtomicLong();

    private static final class Ring {
        final AtomicReferenceArray<String> lines = new AtomicReferenceArray<>(RING);
        /** Which line (its number plus one) each slot holds: stored after the line, so a reader can tell it is whole. */
        final AtomicLongArray numbers = new AtomicLongArray(RING);
    }

    private static final VarHandle RING_HANDLE;

    static {
        try {
            RING_HANDLE = MethodHandles.lookup().findVarHandle(LogTail.class, "ring", Ring.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The ring, made once by whichever thread adds the first line. */
    private Ring ring() {
        Ring r = ring;
        if (r == null) {
            Ring made = new Ring();
            Ring witness = (Ring) RING_HANDLE.compareAndExchange(this, (Ring) null, made);
            r = witness == null ? made : witness;
        }
        return r;
    }

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

    /** Adds a line; any thread (a step's own helpers too). */
    void add(String line) {
        String kept = cap(line);
        Ring r = ring();
        long n = added.getAndIncrement();
        int slot = (int) n & (RING - 1);
        r.lines.setRelease(slot, kept);
        r.numbers.setRelease(slot, n + 1);
    }

    /**
     * The longest run of last lines within {@link #MAX_LINES} and {@link #MAX_CHARS} (the last line alone if it is
     * longer), joined; null if none. A line another thread is adding at this moment may be left out.
     */
    String text() {
        long n = added.get();
        Ring r = ring;
        if (n == 0 || r == null) {
            return null; // no line, or the first is being added
        }
        AtomicReferenceArray<String> lines = r.lines;
        AtomicLongArray numbers = r.numbers;
        Deque<String> kept = new ArrayDeque<>();
        int chars = 0;
        for (long i = n - 1; i >= 0 && i >= n - MAX_LINES; i--) {
            int slot = (int) i & (RING - 1);
            String line = numbers.getAcquire(slot) == i + 1 ? lines.getAcquire(slot) : null;
            if (line == null || numbers.getAcquire(slot) != i + 1) {
                continue; // still being added, or overwritten since by a later line
            }
            if (!kept.isEmpty() && chars + line.length() + 1 > MAX_CHARS) {
                break;
            }
            kept.addFirst(line);
            chars += line.length() + 1;
        }
        return kept.isEmpty() ? null : String.join("\n", kept);
    }
}
