package dev.tasksync;

import dev.tasksync.internal.watch.WatchLoop;

import java.nio.file.Path;
import java.util.List;

/**
 * A task being watched ({@link TaskSync#watch}): when a file or directory its steps watch changes, the task is
 * planned and what changed runs again. {@link #close()} stops watching and cancels a run going on.
 */
public final class TaskWatch implements AutoCloseable {
    private final WatchLoop loop;

    TaskWatch(WatchLoop loop) {
        this.loop = loop;
    }

    /** The watched paths, absolute: every step's watched files and directories. */
    public List<Path> paths() {
        return loop.watchedPaths();
    }

    /** How many runs the watch made. */
    public int runs() {
        return loop.runs();
    }

    @Override
    public void close() {
        loop.close();
    }
}
