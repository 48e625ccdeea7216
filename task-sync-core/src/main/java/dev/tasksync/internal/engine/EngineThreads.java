package dev.tasksync.internal.engine;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of one engine, shared by its runs and workers: starting them for every run cost about
 * 2 ms, as much as the rest of a one-step run's bookkeeping. Each runner bounds its own concurrency
 * with its slots; the pool only keeps idle threads for reuse.
 */
final class EngineThreads implements AutoCloseable {
    private static final AtomicInteger ENGINES = new AtomicInteger();

    /** Step executions and heartbeats (which may block on the database). */
    final ExecutorService work;
    /** Self-fencing checks, timeouts and heartbeat triggers: short, never blocking. */
    final ScheduledExecutorService timer;

    EngineThreads() {
        int id = ENGINES.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        this.work = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> daemon(r, "task-sync-" + id + "-worker-" + n.incrementAndGet()));
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "task-sync-" + id + "-timer"));
        scheduler.setRemoveOnCancelPolicy(true);
        this.timer = scheduler;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        work.shutdown();
    }
}
