package dev.tasksync;

import java.time.Duration;

/**
 * How a {@link Worker} (and the in-process {@link TaskSync#run}) claims and keeps steps.
 *
 * @param concurrency  steps executed at once
 * @param lease        how long a claim lasts without a heartbeat; another worker takes over after it
 * @param heartbeat    how often running claims are extended (and cancellation requests seen)
 * @param pollInterval how often an idle worker looks for work when no notification woke it
 * @param shutdownGrace how long {@link Worker#close()} waits for running steps before releasing them
 */
public record WorkerOptions(int concurrency, Duration lease, Duration heartbeat, Duration pollInterval,
                            Duration shutdownGrace) {

    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

    public WorkerOptions {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
        }
        if (heartbeat.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("heartbeat (" + heartbeat + ") must be shorter than the lease (" + lease + ")");
        }
    }

    public static WorkerOptions defaults() {
        return new WorkerOptions(RunOptions.DEFAULT_CONCURRENCY, DEFAULT_LEASE, DEFAULT_HEARTBEAT, DEFAULT_POLL,
                DEFAULT_SHUTDOWN_GRACE);
    }

    public WorkerOptions withConcurrency(int concurrency) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace);
    }

    public WorkerOptions withLease(Duration lease, Duration heartbeat) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace);
    }

    public WorkerOptions withPollInterval(Duration pollInterval) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace);
    }

    public WorkerOptions withShutdownGrace(Duration shutdownGrace) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace);
    }
}
