package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.StepSettings;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Objects;

/**
 * Settings of a {@code docker_pull} step.
 *
 * @param imageTag         the image to pull, e.g. {@code alpine:3.20} (required)
 * @param imageId          the image id (or repo digest) the pulled image must have; a mismatch fails the step
 * @param preventRunBefore no pull happens before this time (RFC 3339)
 * @param pullInterval     after a successful pull the next one is not before now plus this interval
 *                         (results' {@code prevent_run_before}); default {@link #DEFAULT_PULL_INTERVAL}
 */
public record DockerPull(String imageTag, String imageId, OffsetDateTime preventRunBefore, Duration pullInterval)
        implements StepSettings {
    public static final String TYPE = "docker_pull";
    public static final Duration DEFAULT_PULL_INTERVAL = Duration.ofHours(24);

    @Override
    public String type() {
        return TYPE;
    }

    public DockerPull {
        Objects.requireNonNull(imageTag, "imageTag");
        if (imageTag.isBlank()) {
            throw new IllegalArgumentException("imageTag must not be blank");
        }
        if (pullInterval != null && pullInterval.isNegative()) {
            throw new IllegalArgumentException("pull_interval must not be negative");
        }
    }

    public static DockerPull of(String imageTag) {
        return new DockerPull(imageTag, null, null, null);
    }

    public DockerPull withImageId(String imageId) {
        return new DockerPull(imageTag, imageId, preventRunBefore, pullInterval);
    }

    public DockerPull withPreventRunBefore(OffsetDateTime time) {
        return new DockerPull(imageTag, imageId, time, pullInterval);
    }

    public DockerPull withPullInterval(Duration interval) {
        return new DockerPull(imageTag, imageId, preventRunBefore, interval);
    }

    /** The interval in effect. */
    public Duration effectivePullInterval() {
        return pullInterval == null ? DEFAULT_PULL_INTERVAL : pullInterval;
    }

    @Override
    public JsonNode toJson() {
        ObjectNode o = Settings.image(imageTag, imageId);
        if (preventRunBefore != null) {
            o.put("prevent_run_before", preventRunBefore.toString());
        }
        if (pullInterval != null) {
            o.put("pull_interval", pullInterval.toString());
        }
        return o;
    }
}
