package dev.tasksync.internal.engine;

import java.util.concurrent.ScheduledFuture;

/**
 * One claimed step in this process, from its claim until its outcome is recorded. The thread that executes
 * it may be interrupted (a stop) until it starts recording; after that a stop is only remembered.
 *
 * <p>Who writes what: the executing thread binds itself and begins recording; the lease keeper moves
 * {@link #leaseValidUntil} and stops it; the timer stops it at its timeout. All else is the executing thread's.
 */
final class Execution {
    final Claim claim;
    volatile Stop stop;
    private Thread thread;
    private boolean recording;
    private ScheduledFuture<?> timeout;
    /** System.nanoTime() by which the lease surely still holds: measured from before the write that set it. */
    volatile long leaseValidUntil;
    /** System.nanoTime() when it was queued, claimed ahead of a free slot; 0 when started at once. */
    volatile long queuedAt;
    /** How long it waited in the queue, in microseconds. */
    long startedLateMicros;
    /** Its slot went to a step claimed ahead as soon as it ended, before its outcome was recorded. */
    boolean handedOff;
    /** The step claimed ahead that took its slot, not started yet: its thread goes on with it. */
    Execution taken;

    Execution(Claim claim, long leaseValidUntil) {
        this.claim = claim;
        this.leaseValidUntil = leaseValidUntil;
    }

    int stepId() {
        return claim.stepId();
    }

    synchronized void bind(Thread thread) {
        this.thread = thread;
        if (queuedAt != 0) {
            startedLateMicros = (System.nanoTime() - queuedAt) / 1_000;
        }
        if (stop != null) {
            thread.interrupt(); // stopped before it started: do not start the work at all
        }
    }

    synchronized void stop(Stop why) {
        if (stop == null) {
            stop = why;
        }
        if (thread != null && !recording) {
            thread.interrupt();
        }
    }

    /** The timeout that stops it, cancelled when it begins recording. */
    synchronized void timeoutBy(ScheduledFuture<?> timeout) {
        this.timeout = timeout;
    }

    synchronized boolean isRecording() {
        return recording;
    }

    synchronized void beginRecording() {
        recording = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    boolean stopped() {
        return stop != null;
    }
}
