package dev.tasksync;

import java.util.List;

/** Hears what {@link TaskSync#watch} does. Called from the watch's own thread, one call at a time. */
public interface WatchListener {
    WatchListener NONE = new WatchListener() { };

    /**
     * Watched paths changed and settled ({@code changed}: relative to the task's local_path where under it; empty for
     * the first run) and {@code plan} says what runs now, and why; the run starts next.
     */
    default void willRun(Plan plan, List<String> changed) {
    }

    /** Watched paths changed, but every step is up to date: nothing runs. */
    default void upToDate(List<String> changed) {
    }

    /** A run ended. */
    default void ran(RunResult result) {
    }

    /** A run could not be made (the database is unreachable, the task was deleted); the watch goes on. */
    default void runFailed(RuntimeException error) {
    }
}
