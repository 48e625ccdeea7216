package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import dev.tasksync.LogOptions;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jooq.impl.DSL;

import static dev.tasksync.internal.store.jooq.Tables.STEP_LOG_CHUNKS;
import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;

/** The full logs of attempts in one schema: opened for writing per attempt, read and followed in pages of chunks. */
public final class LogStore {
    private static final Logger LOG = LoggerFactory.getLogger(LogStore.class);
    /** Chunks read per query: a page holds at most a few MiB however long the log. */
    private static final int PAGE = 8;
    /** How often a follower looks for new chunks; the writer stores a chunk at least every 200 ms. */
    static final long POLL_MILLIS = 200;
    /** Age-based retention runs at most this often per store. */
    private static final long PRUNE_BY_AGE_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final DSLContext dsl;
    private final LogOptions options;
    private volatile long prunedByAgeAt = System.nanoTime() - PRUNE_BY_AGE_EVERY_NANOS;

    public LogStore(DSLContext dsl, LogOptions options) {
        this.dsl = dsl;
        this.options = options;
    }

    public LogOptions options() {
        return options;
    }

    /** A writer for one attempt's log, with no tail to feed. */
    public AttemptLog open(int stepId, int attempt) {
        return open(stepId, attempt, line -> { }, 1);
    }

    /**
     * A writer for one attempt's log (which writes nothing when full logs are disabled); the lines it keeps go to
     * {@code tail} too, from its writer thread, in order (of each run the last {@code tailLines}, as many as the
     * tail keeps at most); a line {@link AttemptLog#add} returns false for is the caller's to put there.
     */
    public AttemptLog open(int stepId, int attempt, java.util.function.Consumer<String> tail, int tailLines) {
        return options.maxBytesPerAttempt() == 0 ? AttemptLog.NONE
                : new AttemptLog(dsl, this, stepId, attempt, options.maxBytesPerAttempt(), tail, tailLines);
    }

    /** Applies retention after an attempt's log was closed: older attempts beyond the count, logs beyond the age. */
    void prune(int stepId, int attempt) {
        if (options.keepAttempts() > 0 && attempt > options.keepAttempts()) {
            attempts(() -> dsl.deleteFrom(STEP_LOG_CHUNKS).where(STEP_LOG_CHUNKS.STEP_ID.eq(stepId))
                    .and(STEP_LOG_CHUNKS.ATTEMPT.le(attempt - options.keepAttempts())).execute(), "pruning logs of step " + stepId);
        }
        Duration age = options.keepFor();
        long now = System.nanoTime();
        if (age != null && now - prunedByAgeAt >= PRUNE_BY_AGE_EVERY_NANOS) {
            prunedByAgeAt = now;
            attempts(() -> dsl.deleteFrom(STEP_LOG_CHUNKS)
                    .where(STEP_LOG_CHUNKS.CREATED_AT.lt(OffsetDateTime.now().minus(age))).execute(), "pruning logs older than " + age);
        }
    }

    /** The latest attempt of a step, or 0 before its first. */
    public int latestAttempt(int stepId) {
        Integer max = dsl.select(DSL.max(STEP_RUNS.ATTEMPT)).from(STEP_RUNS)
                .where(STEP_RUNS.STEP_ID.eq(stepId)).fetchOne(0, Integer.class);
        return max == null ? 0 : max;
    }

    /** Whether the attempt is over (its history row has its end), or never started. */
    public boolean ended(int stepId, int attempt) {
        var row = dsl.select(STEP_RUNS.FINISHED_AT).from(STEP_RUNS)
                .where(STEP_RUNS.STEP_ID.eq(stepId)).and(STEP_RUNS.ATTEMPT.eq(attempt))
                .orderBy(STEP_RUNS.ID.desc()).limit(1).fetchOne();
        return row == null || row.value1() != null;
    }

    /** Whether any of the attempt's log is stored. */
    public boolean exists(int stepId, int attempt) {
        return dsl.fetchExists(dsl.selectOne().from(STEP_LOG_CHUNKS)
                .where(STEP_LOG_CHUNKS.STEP_ID.eq(stepId)).and(STEP_LOG_CHUNKS.ATTEMPT.eq(attempt)));
    }

    /** Bytes of text stored for the attempt (a newline counted per line). */
    public long storedBytes(int stepId, int attempt) {
        Number n = dsl.select(DSL.sum(STEP_LOG_CHUNKS.RAW_BYTES)).from(STEP_LOG_CHUNKS)
                .where(STEP_LOG_CHUNKS.STEP_ID.eq(stepId)).and(STEP_LOG_CHUNKS.ATTEMPT.eq(attempt)).fetchOne(0, Number.class);
        return n == null ? 0 : n.longValue();
    }

    /**
     * The attempt's stored lines, read lazily a page of chunks at a time; with {@code follow}, the stream goes on
     * while the attempt runs (looking for new chunks every {@link #POLL_MILLIS}) and ends when the attempt does.
     */
    public Stream<LogLine> lines(int stepId, int attempt, boolean follow) {
        Iterator<LogLine> it = new Reader(stepId, attempt, follow);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    private final class Reader implements Iterator<LogLine> {
        private final int stepId;
        private final int attempt;
        private final boolean follow;
        private final Deque<byte[]> chunks = new ArrayDeque<>();
        private Iterator<LogLine> lines = List.<LogLine>of().iterator();
        private int lastSeq = -1;
        private boolean done;

        Reader(int stepId, int attempt, boolean follow) {
            this.stepId = stepId;
            this.attempt = attempt;
            this.follow = follow;
        }

        @Override
        public boolean hasNext() {
            while (!lines.hasNext()) {
                if (chunks.isEmpty() && !fetch()) {
                    return false;
                }
                lines = ChunkCodec.lines(chunks.removeFirst()).iterator();
            }
            return true;
        }

        /** Reads the next page; false at the end (for a follower: the attempt ended and nothing more is stored). */
        private boolean fetch() {
            while (!done) {
                // Seen ended before the read: the writer stores every chunk before the attempt's end is recorded.
                boolean ended = !follow || ended(stepId, attempt);
                for (Record2<Integer, byte[]> r : dsl.select(STEP_LOG_CHUNKS.SEQ, STEP_LOG_CHUNKS.DATA).from(STEP_LOG_CHUNKS)
                        .where(STEP_LOG_CHUNKS.STEP_ID.eq(stepId)).and(STEP_LOG_CHUNKS.ATTEMPT.eq(attempt))
                        .and(STEP_LOG_CHUNKS.SEQ.gt(lastSeq))
                        .orderBy(STEP_LOG_CHUNKS.SEQ).limit(PAGE).fetch()) {
                    lastSeq = r.value1();
                    chunks.addLast(r.value2());
                }
                if (!chunks.isEmpty()) {
                    return true;
                }
                if (ended) {
                    done = true;
                    break;
                }
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    done = true;
                }
            }
            return false;
        }

        @Override
        public LogLine next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return lines.next();
        }
    }

    /** Runs a write of the log, trying three times; a log that cannot be stored must not fail the step. */
    static boolean attempts(Runnable write, String what) {
        for (int i = 1; ; i++) {
            try {
                write.run();
                return true;
            } catch (RuntimeException e) {
                if (i == 3) {
                    LOG.warn("{} failed: {}", what, e.getMessage());
                    return false;
                }
                try {
                    Thread.sleep(250L * i);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }
}
