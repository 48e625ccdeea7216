package dev.tasksync;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link TaskSync#watch} watches a task.
 *
 * @param debounce   how long the watched paths must stay unchanged before the task is planned and run
 * @param initialRun run the task once when the watch starts (a caller that just ran it says false)
 * @param run        how each run executes (its listener hears each step)
 * @param listener   told what changed, what runs and why, and how each run ended
 */
public record WatchOptions(Duration debounce, boolean initialRun, RunOptions run, WatchListener listener) {
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(300);

    public WatchOptions {
        Objects.requireNonNull(debounce, "debounce");
        if (debounce.isNegative()) {
            throw new IllegalArgumentException("debounce must not be negative, was " + debounce);
        }
        run = run == null ? RunOptions.defaults() : run;
        listener = listener == null ? WatchListener.NONE : listener;
    }

    public static WatchOptions defaults() {
        return new WatchOptions(DEFAULT_DEBOUNCE, true, RunOptions.defaults(), WatchListener.NONE);
    }

    public WatchOptions withDebounce(Duration debounce) {
        return new WatchOptions(debounce, initialRun, run, listener);
    }

    public WatchOptions withInitialRun(boolean initialRun) {
        return new WatchOptions(debounce, initialRun, run, listener);
    }

    public WatchOptions withRunOptions(RunOptions run) {
        return new WatchOptions(debounce, initialRun, run, listener);
    }

    public WatchOptions withListener(WatchListener listener) {
        return new WatchOptions(debounce, initialRun, run, listener);
    }
}
