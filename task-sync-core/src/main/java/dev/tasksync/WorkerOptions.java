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
 * @param labels       what a {@link Worker} offers to steps that name {@code runs_on} ({@code gpu}, {@code region=eu}):
 *                     it claims only steps whose labels it all has. In-process runs ignore labels (see README)
 */
public record WorkerOptions(int concurrency, Duration lease, Duration heartbeat, Duration pollInterval,
                            Duration shutdownGrace, java.util.Set<String> labels) {

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
        labels = dev.tasksync.internal.types.RunsOn.checkLabels(labels == null ? java.util.Set.of() : labels);
    }

    public WorkerOptions(int concurrency, Duration lease, Duration heartbeat, Duration pollInterval, Duration shutdownGrace) {
        this(concurrency, lease, heartbeat, pollInterval, shutdownGrace, java.util.Set.of());
    }

    public static WorkerOptions defaults() {
        return new WorkerOptions(RunOptions.DEFAULT_CONCURRENCY, DEFAULT_LEASE, DEFAULT_HEARTBEAT, DEFAULT_POLL,
                DEFAULT_SHUTDOWN_GRACE);
    }

    public WorkerOptions withConcurrency(int concurrency) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, labels);
    }

    public WorkerOptions withLease(Duration lease, Duration heartbeat) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, labels);
    }

    public WorkerOptions withPollInterval(Duration pollInterval) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, labels);
    }

    public WorkerOptions withShutdownGrace(Duration shutdownGrace) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, labels);
    }

    /**
     * These labels instead of the current ones: each {@code name} or {@code name=value} (letters, digits,
     * {@code . _ - /}, at most 100 characters); the worker claims a step only when it has all the step's {@code runs_on}.
     */
    public WorkerOptions withLabels(String... labels) {
        return withLabels(java.util.List.of(labels));
    }

    public WorkerOptions withLabels(java.util.Collection<String> labels) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, new java.util.LinkedHashSet<>(labels));
    }
}
