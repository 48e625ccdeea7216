package dev.tasksync.internal.watch;

import dev.tasksync.Plan;
import dev.tasksync.RunResult;
import dev.tasksync.WatchListener;
import dev.tasksync.WatchOptions;
import dev.tasksync.internal.hashing.WatchedFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Watch mode: one thread waits for settled changes of the watched paths and queues a run; another plans and runs.
 * Changes that come while a run goes on queue exactly one more run after it, however many they are.
 */
public final class WatchLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WatchLoop.class);

    /** What the loop does to the task, given by the facade. */
    public interface Task {
        List<Path> watchedPaths();

        Path localPath();

        /**
         * Plans and runs the task once; {@code proceed} sees the plan before any step starts (false: none does);
         * the plan lists and hashes the watched files through {@code files} applied to the full check.
         */
        RunResult run(Predicate<Plan> proceed, UnaryOperator<WatchedFiles> files);

        /** Plans the task without running it, listing and hashing the watched files through {@code files}. */
        void look(UnaryOperator<WatchedFiles> files);
    }

    private final Task task;
    private final WatchOptions options;
    private final WatchListener listener;
    private final PathWatcher watcher;
    private final KnownFiles known;
    private final Thread watching;
    private final Thread running;
    private final AtomicInteger runs = new AtomicInteger();
    private final Object lock = new Object();
    /** Paths changed since the last plan; null when no run is queued. */
    private Set<Path> queued;
    private volatile boolean closed;

    public WatchLoop(Task task, WatchOptions options, String name) {
        this.task = task;
        this.options = options;
        this.listener = options.listener();
        try {
            this.known = new KnownFiles(task.localPath());
            this.watcher = new PathWatcher(task.watchedPaths(), task.localPath(), known);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch the files of " + name + ": " + e.getMessage(), e);
        }
        if (options.initialRun()) {
            queued = new LinkedHashSet<>();
        }
        watching = new Thread(this::watch, "task-sync-watch-" + name);
        running = new Thread(this::runQueued, "task-sync-watch-run-" + name);
        watching.setDaemon(true);
        running.setDaemon(true);
        watching.start();
        running.start();
    }

    public List<Path> watchedPaths() {
        return watcher.roots();
    }

    public int runs() {
        return runs.get();
    }

    private void watch() {
        try {
            while (!closed) {
                Set<Path> changed = watcher.awaitSettled(options.debounce());
                synchronized (lock) {
                    if (queued == null) {
                        queued = new LinkedHashSet<>();
                    }
                    queued.addAll(changed);
                    lock.notifyAll();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    private void runQueued() {
        if (!options.initialRun()) {
            // The caller ran the task already, but not through the watcher: look at every file once now, so that
            // the first change is not a full check of them all.
            try {
                task.look(known::over);
            } catch (RuntimeException e) {
                if (closed || Thread.currentThread().isInterrupted()) {
                    return;
                }
                LOG.warn("watch: the first look at the files failed: {}", e.getMessage());
            }
        }
        try {
            while (!closed) {
                Set<Path> changed;
                synchronized (lock) {
                    while (queued == null) {
                        lock.wait();
                    }
                    changed = queued;
                    queued = null;
                }
                try {
                    // The run's own plan is what the listener is told: planning (stat and look up every watched
                    // file) once per change, not once to print and again to run.
                    boolean[] willRun = {false};
                    RunResult result = task.run(plan -> {
                        List<String> why = PathWatcher.describe(task.localPath(), changed);
                        if (plan.toRun().isEmpty()) {
                            listener.upToDate(why);
                            return false;
                        }
                        listener.willRun(plan, why);
                        willRun[0] = true;
                        return true;
                    }, known::over);
                    if (!willRun[0]) {
                        continue;
                    }
                    runs.incrementAndGet();
                    listener.ran(result);
                    watcher.roots(task.watchedPaths()); // a step may have been edited meanwhile
                } catch (RuntimeException e) {
                    if (closed || Thread.currentThread().isInterrupted()) {
                        return;
                    }
                    LOG.warn("watch: the run failed: {}", e.getMessage());
                    listener.runFailed(e);
                }
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    /** Stops watching; a run going on is interrupted, which cancels its running steps. */
    @Override
    public void close() {
        closed = true;
        try {
            watcher.close();
        } catch (IOException e) {
            // nothing more to release
        }
        watching.interrupt();
        running.interrupt();
        try {
            running.join(Duration.ofSeconds(30).toMillis());
            watching.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
