package dev.tasksync;

/**
 * How {@link TaskSync#run} executes a task.
 *
 * @param concurrency how many independent steps may run at once (at least 1)
 * @param force       run every step, even those whose inputs did not change
 * @param listener    told about each step as it starts and finishes
 */
public record RunOptions(int concurrency, boolean force, RunListener listener) {

    public static final int DEFAULT_CONCURRENCY = Runtime.getRuntime().availableProcessors();

    public RunOptions {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
        }
        if (listener == null) {
            listener = RunListener.NONE;
        }
    }

    public static RunOptions defaults() {
        return new RunOptions(DEFAULT_CONCURRENCY, false, RunListener.NONE);
    }

    public RunOptions withConcurrency(int concurrency) {
        return new RunOptions(concurrency, force, listener);
    }

    public RunOptions withForce(boolean force) {
        return new RunOptions(concurrency, force, listener);
    }

    public RunOptions withListener(RunListener listener) {
        return new RunOptions(concurrency, force, listener);
    }
}
