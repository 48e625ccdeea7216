package dev.tasksync;

import dev.tasksync.internal.engine.WorkerLoop;

import java.time.Duration;

/**
 * A worker executing the runnable steps of every task in the database, beside any number of other
 * workers in other processes or on other machines. Get one from {@link TaskSync#worker()}; it runs
 * until {@link #close()}, which stops claiming, lets running steps finish within the grace period
 * and gives the rest back.
 */
public final class Worker implements AutoCloseable {
    private final WorkerLoop loop;

    Worker(WorkerLoop loop) {
        this.loop = loop;
    }

    /** The id recorded with each attempt this worker makes. */
    public String id() {
        return loop.workerId();
    }

    /** How many steps this worker has claimed. */
    public long claimed() {
        return loop.claimed();
    }

    /** Waits until the worker stopped (after {@link #close()} from another thread), at most {@code max}. */
    public void awaitTermination(Duration max) throws InterruptedException {
        loop.awaitTermination(max);
    }

    @Override
    public void close() {
        loop.close();
    }
}
