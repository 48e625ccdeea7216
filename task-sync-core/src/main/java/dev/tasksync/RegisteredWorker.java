package dev.tasksync;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A worker as it registered itself in the {@code workers} table ({@link TaskSync#workers()}).
 *
 * @param id            the id it records with each attempt (step_runs.worker_id)
 * @param host          the machine it runs on
 * @param labels        what it offers to steps' {@code runs_on}
 * @param dockerEngine  the ID of the Docker engine its Docker steps use, or null when it has none
 * @param startedAt     when it started
 * @param lastHeartbeat when it last said it was alive
 * @param stoppedAt     when it stopped cleanly, or null
 * @param live          true while it runs: not stopped, its heartbeat recent and its database session open
 */
public record RegisteredWorker(String id, String host, List<String> labels, String dockerEngine, OffsetDateTime startedAt,
                               OffsetDateTime lastHeartbeat, OffsetDateTime stoppedAt, boolean live) {
    public RegisteredWorker {
        labels = List.copyOf(labels);
    }

    /** True when this worker has every one of these labels. */
    public boolean hasLabels(List<String> needed) {
        return labels.containsAll(needed);
    }
}
