package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands an attempt's lines from the step's threads to its writer thread. The step's own thread (the one that
 * opened the log) does next to nothing per line: it puts the line's reference and stream in a block of
 * {@link #BLOCK} lines and publishes its index, with no lock, no clock and no encoding. Lines from other threads (a
 * step's own workers) go through a lock, each with the index it saw, so the writer takes it among the step thread's
 * lines where it came. The writer {@linkplain #mark marks} how far the lines go every few ms (an index and a time:
 * no work per line), and {@linkplain #pick(Taker, long) takes} them later, each stamped with the time of the first
 * mark that saw it, so that it can leave the heavy work (encoding, compressing) until lines get old or many, or
 * the step ends. At most {@link #bound} bytes of lines (their characters and {@link #LINE_OVERHEAD} each) wait
 * for the writer: only then does a step wait (no line is ever dropped while the writer lives), so memory stays
 * bounded; a single line longer than the bound goes once the writer took every line before it.
 */
final class LineHandover {
    /** Lines per block the step's thread fills (a power of two): a log of a few lines costs one small block. */
    static final int BLOCK = 4096;
    /**
     * The owner stores its running size once per this many lines (a power of two), not per line: a block is then
     * about 5 bytes a line, not 13, and allocating and zeroing blocks was most of what capture cost the step.
     */
    static final int GROUP = 64;
    private static final int GROUP_SHIFT = Integer.numberOfTrailingZeros(GROUP);
    private static final int BLOCK_SHIFT = Integer.numberOfTrailingZeros(BLOCK);
    /** A block's bytes, about: its references, streams and group sizes. */
    private static final long BLOCK_BYTES = BLOCK * 5L + (BLOCK / GROUP) * 8L;
    /** Empty blocks the writer makes ahead for a step that prints fast, at most (and at most an eighth of the bound). */
    static final int MAX_SPARES = 64;
    /** Spare blocks the writer makes at the owner's first ask, at least. */
    static final int MIN_ASKED = 4;
    /** Bytes counted per waiting line besides its characters: its string's and array's headers, its slot. */
    static final int LINE_OVERHEAD = 48;
    /** The default bound is at most this, whatever the heap. */
    static final long MAX_DEFAULT_BOUND = 512L * 1024 * 1024;
    /** The system property that sets the bound in bytes (the default: an eighth of the heap, at most 512 MiB). */
    static final String BOUND_PROPERTY = "tasksync.logs.maxPendingBytes";

    /**
     * Bytes of lines that may wait for the writer before the step's thread waits: an eighth of the heap's maximum,
     * at most {@link #MAX_DEFAULT_BOUND} (a 256 MB heap: 32 MiB), or the {@link #BOUND_PROPERTY} system property.
     */
    static long defaultBound() {
        Long set = Long.getLong(BOUND_PROPERTY);
        if (set != null && set > 0) {
            return set;
        }
        return Math.max(1024 * 1024, Math.min(Runtime.getRuntime().maxMemory() / 8, MAX_DEFAULT_BOUND));
    }

    /** What the writer does with each line it takes, in order. */
    interface Taker {
        /** The lines taken next were added before {@code nanos} (and after the mark before it). */
        default void at(long nanos) {
        }

        void take(byte stream, String text);

        /**
         * Takes the owner's lines {@code [from, to)} of a block, in order, with no look at them needed: the
         * characters and {@link #LINE_OVERHEAD} of every line before {@code from} are {@code base}, through line
         * {@code to - 1} {@code end}, and through the last line of each {@link #GROUP} {@code g} (line
         * {@code g * GROUP + GROUP - 1}) {@code groups[g]}, so the size of a slice that ends at a group's end is two
         * reads. A taker that keeps the arrays sets each slot to null once it is done with the line, so that the
         * line is garbage; this one takes each line at once.
         */
        default void take(String[] texts, byte[] streams, long[] groups, int from, int to, long base, long end) {
            for (int i = from; i < to; i++) {
                String text = texts[i];
                texts[i] = null;
                take(streams[i], text);
            }
        }
    }

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle TAKEN_CHARS;
    private static final VarHandle HANDED_CHARS;
    private static final VarHandle SLEEPING;
    private static final VarHandle SPARES;
    private static final VarHandle SPARES_USED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(LineHandover.class, "head", long.class);
            TAIL = lookup.findVarHandle(LineHandover.class, "tail", long.class);
            TAKEN_CHARS = lookup.findVarHandle(LineHandover.class, "takenChars", long.class);
            HANDED_CHARS = lookup.findVarHandle(LineHandover.class, "handedChars", long.class);
            SLEEPING = lookup.findVarHandle(LineHandover.class, "sleeping", boolean.class);
            SPARES = lookup.findVarHandle(LineHandover.class, "spares", Block.class);
            SPARES_USED = lookup.findVarHandle(LineHandover.class, "sparesUsed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Lines in the order the owner added them; the next block is linked before the head moves into it. */
    private static final class Block {
        final String[] lines = new String[BLOCK];
        final byte[] streams = new byte[BLOCK];
        /** The owner's handed characters after the last line of each group: a range's size with few looks at its lines. */
        final long[] groups = new long[BLOCK / GROUP];
        Block next;
        /** The next of the writer's spare blocks, while this one is a spare. */
        Block nextSpare;
    }

    private final long bound;
    private final int maxSpares;
    /**
     * Empty blocks the writer made for the owner while lines come fast (a stack: the writer pushes, the owner pops),
     * so that the step's thread does not allocate and zero them itself; how many the writer made, the owner used.
     */
    private Block spares;
    private long sparesMade;
    private long sparesUsed;
    /**
     * The owner found no spare for its next block: it asks the writer (waking it) for more than it made at its last
     * mark, and makes its own block meanwhile. The writer makes {@link #sparesAhead} (doubled at each ask, at most
     * {@link #maxSpares}), so that a step printing fast between two marks does not allocate and zero (and page in)
     * most of its blocks itself, as it did when spares were made at marks only (every 10 ms).
     */
    private volatile boolean sparesWanted;
    private int sparesAhead = MIN_ASKED / 2;
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
    // the owner's own view: what it handed over (read by the writer, opaque), and the writer's progress as it last read it
    private long handedChars;
    private long charsUntil;
    private boolean ownerStarted;

    // lines of other threads, with the head each saw
    private record Other(long position, byte stream, String text) {
    }

    private final Object othersLock = new Object();
    private final ArrayDeque<Other> others = new ArrayDeque<>();
    /** Lines of other threads added so far, and their bytes waiting (guarded by othersLock). */
    private long othersAdded;
    private long otherChars;

    // the writer's: the marks not taken yet ({head, others added, nanos}), and what it took of others' lines
    private final ArrayDeque<long[]> marks = new ArrayDeque<>();
    private long markedHead;
    private long markedOthers;
    private long othersTaken;

    /** The calling thread is the owner; {@code writerLoop} runs on a thread of its own from the first line. */
    LineHandover(Runnable writerLoop, String writerName) {
        this(writerLoop, writerName, defaultBound());
    }

    LineHandover(Runnable writerLoop, String writerName, long bound) {
        this.owner = Thread.currentThread();
        this.writerLoop = writerLoop;
        this.writerName = writerName;
        this.bound = bound;
        this.maxSpares = (int) Math.min(MAX_SPARES, bound / 8 / BLOCK_BYTES);
        this.charsUntil = bound;
    }

    long bound() {
        return bound;
    }

    /**
     * Hands a line over; blocks only while {@link #bound} bytes of lines wait for the writer. On the owner's
     * thread: one array store (another for a stderr line, another once per {@link #GROUP}), an opaque store of its
     * count and an ordered store of the index. False if the line was not kept: the log was closed (a straggling
     * output thread), or the writer ended and there is no room (see {@link #drain}).
     */
    boolean add(LogLine.Stream stream, String text) {
        if (closed) {
            return false; // a line after the step ended (a straggling output thread) is the caller's
        }
        if (Thread.currentThread() != owner) {
            return addOther(stream, text);
        }
        long h = head;
        long handed = handedChars + text.length() + LINE_OVERHEAD;
        HANDED_CHARS.setOpaque(this, handed);
        int at = (int) h & (BLOCK - 1);
        Block block = in;
        if (at == 0 || handed > charsUntil) {
            block = rare(h, at, handed); // kept out of here, so that this stays small enough to be inlined
            if (block == null) {
                return false;
            }
        }
        block.lines[at] = text;
        if (stream != LogLine.Stream.STDOUT) { // a new block's streams are all 0 (stdout): most lines store nothing here
            block.streams[at] = (byte) stream.ordinal();
        }
        if ((at & (GROUP - 1)) == GROUP - 1) {
            block.groups[at >>> GROUP_SHIFT] = handed;
        }
        HEAD.setRelease(this, h + 1);
        if (sleeping) {
            wake();
        }
        return true;
    }

    /**
     * The owner's rare cases, before line {@code h} goes at {@code at} of the block returned: its first line (the
     * writer starts), a wait for room, a new block; null if the writer is gone and the line is not kept.
     */
    private Block rare(long h, int at, long handed) {
        if (!ownerStarted) {
            in = new Block();
            out = in;
            startWriter();
            ownerStarted = true;
        }
        if (handed > charsUntil && !awaitRoom(h)) {
            return null; // before a new block is linked: the next line goes where this one would have
        }
        if (at == 0 && h > 0) {
            Block next = spare();
            if (next == null) {
                next = new Block();
            }
            if (maxSpares > 0 && SPARES.getOpaque(this) == null && !sparesWanted) {
                sparesWanted = true; // the last spare, or none: the writer makes more now, not at its next mark
                Thread w = writer;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
            in.next = next;
            in = next;
        }
        return in;
    }

    /** The owner: one of the writer's spare blocks, or null if none is there. */
    private Block spare() {
        Block top;
        do {
            top = (Block) SPARES.getAcquire(this);
            if (top == null) {
                return null;
            }
        } while (!SPARES.compareAndSet(this, top, top.nextSpare)); // a block is pushed once: no ABA
        top.nextSpare = null;
        SPARES_USED.setOpaque(this, sparesUsed + 1);
        return top;
    }

    /**
     * The writer: makes spare blocks till there are as many as the owner filled since the last mark (at most
     * {@link #maxSpares}), or as it asked for: a step printing fast then fills blocks that are there already.
     */
    private void makeSpares(long filled) {
        long wanted = Math.min(maxSpares, filled);
        boolean asked = sparesWanted;
        if (asked) {
            sparesAhead = Math.min(maxSpares, Math.max(MIN_ASKED, 2 * sparesAhead));
            wanted = Math.max(wanted, sparesAhead);
        } else if (filled == 0) {
            sparesAhead = Math.max(MIN_ASKED / 2, sparesAhead / 2); // printing slowly now: ask for fewer next time
        }
        for (long have = sparesMade - (long) SPARES_USED.getOpaque(this); have < wanted && !closed && !ended; have++) {
            Block b = new Block();
            Block top;
            do {
                top = (Block) SPARES.getAcquire(this);
                b.nextSpare = top;
            } while (!SPARES.compareAndSet(this, top, b));
            sparesMade++;
        }
        if (asked) {
            sparesWanted = false; // after the blocks are there: an ask meanwhile would find them
        }
    }

    /** The owner asked for spare blocks and the writer did not make them yet (for tests). */
    boolean sparesWanted() {
        return sparesWanted;
    }

    /** Spare blocks the writer made, and the owner used, so far (for tests). */
    long[] spares() {
        return new long[]{sparesMade, (long) SPARES_USED.getOpaque(this)};
    }

    /** The owner waits for the writer to take lines (back-pressure); false: the writer is gone, the line is not kept. */
    private boolean awaitRoom(long h) {
        boolean interrupted = false;
        try {
            while (true) {
                long t = (long) TAIL.getAcquire(this);
                long taken = (long) TAKEN_CHARS.getAcquire(this);
                // a line longer than the bound goes once the writer took every line before it (h == t)
                if (handedChars - taken <= bound || h == t) {
                    charsUntil = taken + bound;
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

    private boolean addOther(LogLine.Stream stream, String text) {
        synchronized (othersLock) {
            startWriter();
            while (otherChars > bound && !closed && !ended) {
                try {
                    othersLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the step is being stopped: keep the line, let it end
                    break;
                }
            }
            if (closed || ended) {
                return false;
            }
            others.addLast(new Other((long) HEAD.getAcquire(this), (byte) stream.ordinal(), text));
            othersAdded++;
            otherChars += text.length() + LINE_OVERHEAD;
        }
        if (sleeping) {
            wake();
        }
        return true;
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

    /**
     * The owner, once the writer ended (it stored its last batch, or failed): takes every line handed over that the
     * writer did not take (none if it took its last pick), in order; 0 while the writer runs (its marks and blocks are
     * its own).
     */
    int drain(Taker taker) {
        if (!ended || Thread.currentThread() != owner) {
            return 0;
        }
        return pick(taker); // the writer's state is the owner's now: ended was written after the writer's last look
    }

    /** True once {@link #close()} was called: a pick after reading true takes every line added before it. */
    boolean closed() {
        return closed;
    }

    /**
     * The writer: marks how far the lines go at {@code nanos} (lines added before it are stamped with it when taken);
     * true if lines came since the last mark. Others' lines are counted before the head is read, so each one
     * counted saw a head no later than the one marked.
     */
    boolean mark(long nanos) {
        long o;
        synchronized (othersLock) {
            o = othersAdded;
        }
        long h = (long) HEAD.getAcquire(this);
        if (h == markedHead && o == markedOthers) {
            return false;
        }
        makeSpares((h >>> BLOCK_SHIFT) - (markedHead >>> BLOCK_SHIFT));
        markedHead = h;
        markedOthers = o;
        marks.addLast(new long[]{h, o, nanos});
        return true;
    }

    /** Bytes of lines waiting for the writer, marked or not (for the writer: whether to take them now). */
    long waiting() {
        long others;
        synchronized (othersLock) {
            others = otherChars;
        }
        return (long) HANDED_CHARS.getOpaque(this) - (long) TAKEN_CHARS.getAcquire(this) + others;
    }

    /** The time of the oldest mark not taken yet, or {@link Long#MAX_VALUE} if none. */
    long oldestMark() {
        long[] m = marks.peekFirst();
        return m == null ? Long.MAX_VALUE : m[2];
    }

    /** Every line marked was taken, and none came since (the writer may sleep). */
    boolean drained() {
        if (!marks.isEmpty() || (long) HEAD.getAcquire(this) != tail) {
            return false;
        }
        synchronized (othersLock) {
            return others.isEmpty();
        }
    }

    /** Marks now and takes every line waiting: a writer that does not defer (the tests'). */
    int pick(Taker taker) {
        mark(System.nanoTime());
        return pick(taker, Long.MAX_VALUE);
    }

    /**
     * The writer: takes the lines of the marks made at or before {@code upTo}, each stamped with its mark's time
     * ({@link Taker#at}), other threads' among the owner's where each came, and hands room back to the step as it
     * goes; returns how many it took.
     */
    int pick(Taker taker, long upTo) {
        int took = 0;
        while (!marks.isEmpty() && marks.peekFirst()[2] <= upTo) {
            long[] m = marks.removeFirst();
            took += take(taker, m[0], m[1], m[2]);
        }
        return took;
    }

    private int take(Taker taker, long h, long othersUntil, long nanos) {
        taker.at(nanos);
        List<Other> theirs = List.of();
        if (othersUntil > othersTaken) {
            theirs = new ArrayList<>((int) (othersUntil - othersTaken));
            synchronized (othersLock) {
                for (long n = othersTaken; n < othersUntil; n++) {
                    Other o = others.pollFirst();
                    theirs.add(o);
                    otherChars -= o.text().length() + LINE_OVERHEAD;
                }
                othersLock.notifyAll();
            }
            othersTaken = othersUntil;
        }
        long t = tail;
        long chars = takenChars;
        int k = 0;
        long i = t;
        while (i < h) {
            while (k < theirs.size() && theirs.get(k).position() <= i) {
                Other o = theirs.get(k++);
                taker.take(o.stream(), o.text());
            }
            int at = (int) i & (BLOCK - 1);
            if (at == 0 && i > 0) {
                out = out.next; // the block taken is left to the garbage collector (and to the taker's runs)
            }
            long end = Math.min(h, i - at + BLOCK);
            if (k < theirs.size()) {
                end = Math.min(end, theirs.get(k).position());
            }
            int to = at + (int) (end - i);
            long through = charsThrough(out, at, to, chars); // before the taker may let go of the lines
            taker.take(out.lines, out.streams, out.groups, at, to, chars, through);
            chars = through;
            i = end;
            if (to == BLOCK) {
                handBack(i, chars); // room for the step as the pick goes, not only at its end
            }
        }
        handBack(h, chars);
        while (k < theirs.size()) { // each saw a head no later than h
            Other o = theirs.get(k++);
            taker.take(o.stream(), o.text());
        }
        return (int) (h - t) + theirs.size();
    }

    /**
     * The owner's handed characters through line {@code to - 1} of a block whose lines before {@code at} come to
     * {@code chars}: read at a group's end, else summed from the last group's end or {@code at} (under a group's
     * lines looked at).
     */
    private static long charsThrough(Block block, int at, int to, long chars) {
        int last = to - 1;
        if ((last & (GROUP - 1)) == GROUP - 1) {
            return block.groups[last >>> GROUP_SHIFT];
        }
        int start = last & -GROUP;
        long sum = chars;
        int j = at;
        if (start > at) {
            sum = block.groups[(start >>> GROUP_SHIFT) - 1];
            j = start;
        }
        for (; j < to; j++) {
            sum += block.lines[j].length() + LINE_OVERHEAD;
        }
        return sum;
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
