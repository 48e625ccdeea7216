package dev.tasksync;

import dev.tasksync.internal.types.RunsOn;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

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
 * @param rebuildAfter how long a step waits for a worker on the Docker engine holding the image or container an
 *                     upstream step left there, when no live worker is on it; then an idle worker sets that upstream
 *                     step to run again, wherever a worker claims it (its output there is unreachable, as a deleted image)
 */
public record WorkerOptions(int concurrency, Duration lease, Duration heartbeat, Duration pollInterval,
                            Duration shutdownGrace, Set<String> labels, Duration rebuildAfter) {

    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_REBUILD_AFTER = Duration.ofMinutes(2);

    public WorkerOptions {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
        }
        if (heartbeat.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("heartbeat (" + heartbeat + ") must be shorter than the lease (" + lease + ")");
        }
        labels = RunsOn.checkLabels(labels == null ? Set.of() : labels);
        if (rebuildAfter == null) {
            rebuildAfter = DEFAULT_REBUILD_AFTER;
        }
        if (rebuildAfter.isNegative()) {
            throw new IllegalArgumentException("rebuildAfter must not be negative, was " + rebuildAfter);
        }
    }

    public WorkerOptions(int concurrency, Duration lease, Duration heartbeat, Duration pollInterval, Duration shutdownGrace) {
        this(concurrency, lease, heartbeat, pollInterval, shutdownGrace, Set.of(), DEFAULT_REBUILD_AFTER);
    }

    public static WorkerOptions defaults() {
        return new WorkerOptions(RunOptions.DEFAULT_CONCURRENCY, DEFAULT_LEASE, DEFAULT_HEARTBEAT, DEFAULT_POLL,
                DEFAULT_SHUTDOWN_GRACE);
    }

    public WorkerOptions withConcurrency(int concurrency) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, labels, rebuildAfter);
    }

    public WorkerOptions withLease(Duration lease, Duration heartbeat) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, labels, rebuildAfter);
    }

    public WorkerOptions withPollInterval(Duration pollInterval) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, labels, rebuildAfter);
    }

    public WorkerOptions withShutdownGrace(Duration shutdownGrace) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, labels, rebuildAfter);
    }

    /**
     * These labels instead of the current ones: each {@code name} or {@code name=value} (letters, digits,
     * {@code . _ - /}, at most 100 characters); the worker claims a step only when it has all the step's {@code runs_on}.
     */
    public WorkerOptions withLabels(String... labels) {
        return withLabels(List.of(labels));
    }

    public WorkerOptions withLabels(Collection<String> labels) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, new LinkedHashSet<>(labels), rebuildAfter);
    }

    /** See {@code rebuildAfter} above. */
    public WorkerOptions withRebuildAfter(Duration rebuildAfter) {
        return new WorkerOptions(concurrency, lease, heartbeat, pollInterval, shutdownGrace, labels, rebuildAfter);
    }
}
