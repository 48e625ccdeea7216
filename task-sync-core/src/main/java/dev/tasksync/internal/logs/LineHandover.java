package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands an attempt's lines from the step's threads to its writer thread. The step's own thread (the one that
 * opened the log) does next to nothing per line: it puts the line's reference and stream in a block of
 * {@link #BLOCK} lines and publishes its index, with no lock, no clock and no encoding. Lines from other threads (a
 * step's own workers) go through a lock, each with the index it saw, so the writer takes it among the step thread's
 * lines where it came. At most {@link #SLOTS} lines or {@link #PENDING_CHARS} characters wait for the writer: only
 * then does a step wait (no line is ever dropped while the writer lives), so memory stays bounded; a single line
 * longer than the bound goes once the writer took every line before it.
 */
final class LineHandover {
    /** Lines that may wait for the writer: the step waits only when the writer is this many behind. */
    static final int SLOTS = 1 << 18;
    /** Lines per block the step's thread fills (a power of two): a log of a few lines costs one small block. */
    static final int BLOCK = 4096;
    /**
     * Characters of lines that may wait for the writer before the step's thread waits: enough that a step never
     * waits on a writer that keeps up on average (a burst, a slow commit), few enough for a bounded heap.
     */
    static final long PENDING_CHARS = 16L * 1024 * 1024;

    /** What the writer does with each line it takes, in order. */
    interface Taker {
        void take(byte stream, String text);
    }

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle TAKEN_CHARS;
    private static final VarHandle SLEEPING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(LineHandover.class, "head", long.class);
            TAIL = lookup.findVarHandle(LineHandover.class, "tail", long.class);
            TAKEN_CHARS = lookup.findVarHandle(LineHandover.class, "takenChars", long.class);
            SLEEPING = lookup.findVarHandle(LineHandover.class, "sleeping", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Lines in the order the owner added them; the next block is linked before the head moves into it. */
    private static final class Block {
        final String[] lines = new String[BLOCK];
        final byte[] streams = new byte[BLOCK];
        Block next;
    }

    private final Runnable writerLoop;
    private final String writerName;
    private volatile Thread writer;
    private volatile boolean closed;
    /** The writer ended (it stored its last batch, or it failed): nothing more is taken. */
    private volatile boolean ended;
    private volatile boolean sleeping;
    private volatile boolean ownerWaiting;

    // the blocks: filled by the owner without a lock (published by HEAD's release), emptied by the writer
    private final Thread owner;
    /** The block the owner fills. */
    private Block in;
    /** The block the writer empties: set by the owner before its first line is published. */
    private Block out;
    private long head;
    private long tail;
    private long takenChars;
    // the owner's own view: what it handed over, and the writer's progress as it last read it
    private long handedChars;
    private long roomUntil = SLOTS;
    private long charsUntil = PENDING_CHARS;
    private boolean ownerStarted;

    // lines of other threads, with the head each saw
    private record Other(long position, byte stream, String text) {
    }

    private final Object othersLock = new Object();
    private List<Other> others = new ArrayList<>();
    private long otherChars;

    /** The calling thread is the owner; {@code writerLoop} runs on a thread of its own from the first line. */
    LineHandover(Runnable writerLoop, String writerName) {
        this.owner = Thread.currentThread();
        this.writerLoop = writerLoop;
        this.writerName = writerName;
    }

    /**
     * Hands a line over; blocks only while the writer is {@link #SLOTS} lines or {@link #PENDING_CHARS} characters
     * behind. On the owner's thread: two array stores and an ordered store of the index.
     */
    void add(LogLine.Stream stream, String text) {
        if (closed) {
            return; // a line after the step ended (a straggling output thread) is left to the tail
        }
        if (Thread.currentThread() != owner) {
            addOther(stream, text);
            return;
        }
        if (!ownerStarted) {
            in = new Block();
            out = in;
            startWriter();
            ownerStarted = true;
        }
        long h = head;
        handedChars += text.length();
        if (h >= roomUntil || handedChars > charsUntil) {
            if (!awaitRoom(h)) {
                return;
            }
        }
        int at = (int) h & (BLOCK - 1);
        if (at == 0 && h > 0) {
            Block next = new Block();
            in.next = next;
            in = next;
        }
        in.lines[at] = text;
        in.streams[at] = (byte) stream.ordinal();
        HEAD.setRelease(this, h + 1);
        if (sleeping) {
            wake();
        }
    }

    /** The owner waits for the writer to take lines (back-pressure); false: the writer is gone, the line is not kept. */
    private boolean awaitRoom(long h) {
        boolean interrupted = false;
        try {
            while (true) {
                long t = (long) TAIL.getAcquire(this);
                long taken = (long) TAKEN_CHARS.getAcquire(this);
                // a line longer than the bound goes once the writer took every line before it (h == t)
                if (h - t < SLOTS && (handedChars - taken <= PENDING_CHARS || h == t)) {
                    roomUntil = t + SLOTS;
                    charsUntil = taken + PENDING_CHARS;
                    return true;
                }
                if (ended) {
                    return false;
                }
                ownerWaiting = true;
                wake();
                // a step being stopped still keeps its lines: the interrupt is set aside (a park would not wait)
                interrupted |= Thread.interrupted();
                LockSupport.parkNanos(this, 1_000_000); // unparked as soon as the writer took lines
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void addOther(LogLine.Stream stream, String text) {
        synchronized (othersLock) {
            startWriter();
            while (otherChars > PENDING_CHARS && !closed && !ended) {
                try {
                    othersLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the step is being stopped: keep the line, let it end
                    break;
                }
            }
            if (closed || ended) {
                return;
            }
            others.add(new Other((long) HEAD.getAcquire(this), (byte) stream.ordinal(), text));
            otherChars += text.length();
        }
        if (sleeping) {
            wake();
        }
    }

    private void startWriter() {
        synchronized (othersLock) {
            if (writer == null) {
                Thread w = new Thread(writerLoop, writerName);
                w.setDaemon(true);
                writer = w;
                w.start();
            }
        }
    }

    private void wake() {
        Thread w = writer;
        if (w != null && SLEEPING.compareAndSet(this, true, false)) {
            LockSupport.unpark(w);
        }
    }

    /** True once {@link #close()} was called: a pick after reading true takes every line added before it. */
    boolean closed() {
        return closed;
    }

    /**
     * The writer: takes the lines waiting, other threads' among the owner's where each came, and hands room back to
     * the step as it goes; returns how many it took.
     */
    int pick(Taker taker) {
        List<Other> theirs;
        synchronized (othersLock) {
            theirs = others;
            if (!theirs.isEmpty()) {
                others = new ArrayList<>();
                otherChars = 0;
                othersLock.notifyAll();
            }
        }
        long h = (long) HEAD.getAcquire(this);
        long t = tail;
        long chars = takenChars;
        int k = 0;
        for (long i = t; i < h; i++) {
            while (k < theirs.size() && theirs.get(k).position() <= i) {
                Other o = theirs.get(k++);
                taker.take(o.stream(), o.text());
            }
            int at = (int) i & (BLOCK - 1);
            if (at == 0 && i > 0) {
                out = out.next; // the block taken is left to the garbage collector
            }
            String text = out.lines[at];
            out.lines[at] = null;
            chars += text.length();
            taker.take(out.streams[at], text);
            if (at == BLOCK - 1) {
                handBack(i + 1, chars); // room for the step as the pick goes, not only at its end
            }
        }
        handBack(h, chars);
        while (k < theirs.size()) { // each saw a head no later than h
            Other o = theirs.get(k++);
            taker.take(o.stream(), o.text());
        }
        return (int) (h - t) + theirs.size();
    }

    private void handBack(long newTail, long chars) {
        TAKEN_CHARS.setRelease(this, chars);
        TAIL.setRelease(this, newTail);
        if (ownerWaiting) {
            ownerWaiting = false;
            LockSupport.unpark(owner);
        }
    }

    /** The writer sleeps till the next line wakes it, or at most {@code nanos} (should a wake-up cross the last look). */
    void sleep(long nanos) {
        SLEEPING.setVolatile(this, true);
        boolean empty;
        synchronized (othersLock) {
            empty = others.isEmpty();
        }
        if (empty && (long) HEAD.getAcquire(this) == tail && !closed) {
            LockSupport.parkNanos(this, nanos);
        }
        sleeping = false;
    }

    /** The writer is gone: threads waiting for room stop waiting, and later lines are not kept. */
    void writerEnded() {
        ended = true;
        synchronized (othersLock) {
            othersLock.notifyAll();
        }
        LockSupport.unpark(owner);
    }

    /** No more lines are taken; returns the writer thread, woken for its last pick, or null if no line ever came. */
    Thread close() {
        Thread w;
        synchronized (othersLock) {
            closed = true;
            othersLock.notifyAll();
            w = writer;
        }
        if (w != null) {
            LockSupport.unpark(w);
        }
        return w;
    }
}
