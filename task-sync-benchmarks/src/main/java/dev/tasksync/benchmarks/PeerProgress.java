package dev.tasksync.benchmarks;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the peers' no-op handlers record in this JVM: when the first one started (the peers' clock
 * starts there, so their poll wait before it is left out) and how many returned. Static because
 * JobRunr instantiates its handlers itself.
 */
final class PeerProgress {
    private static final AtomicLong FIRST_NANOS = new AtomicLong();
    private static final AtomicLong FIRST_EPOCH_MICROS = new AtomicLong();
    private static final AtomicInteger DONE = new AtomicInteger();
    private static volatile Runnable onFirst = () -> { };

    private PeerProgress() {
    }

    static void reset() {
        FIRST_NANOS.set(0);
        FIRST_EPOCH_MICROS.set(0);
        DONE.set(0);
    }

    /** Called by the peer processes to say when their first job started. */
    static void onFirst(Runnable action) {
        onFirst = action;
    }

    /** The no-op work itself: note the first start, count the end. */
    static void noop() {
        if (FIRST_NANOS.get() == 0 && FIRST_NANOS.compareAndSet(0, System.nanoTime())) {
            FIRST_EPOCH_MICROS.set(epochMicros());
            onFirst.run();
        }
        DONE.incrementAndGet();
    }

    static long firstNanos() {
        return FIRST_NANOS.get();
    }

    static long firstEpochMicros() {
        return FIRST_EPOCH_MICROS.get();
    }

    static int done() {
        return DONE.get();
    }

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
