package dev.tasksync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.internal.types.ExecutionPolicy;
import dev.tasksync.spi.JsonSettings;

import java.time.OffsetDateTime;
import java.util.List;
import java.time.Duration;

/**
 * A stored step: one row of the {@code steps} table.
 *
 * @param type      the settings' top-level key, e.g. {@code file_exists}
 * @param settings  the settings exactly as stored (the seed's JSON)
 * @param results   what the last execution produced, or null before the first one
 * @param dependsOn ids of the steps this one depends on, from {@code depends_on}
 * @param attempt   how many times the step was started (0 before the first)
 * @param startedAt when the last execution started, or null
 * @param finishedAt when the last execution ended, or null
 */
public record Step(int id, int taskId, String title, StepStatus status, String type,
                   JsonNode settings, JsonNode results, List<Integer> dependsOn, int attempt,
                   OffsetDateTime startedAt, OffsetDateTime finishedAt,
                   OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    public Step {
        dependsOn = List.copyOf(dependsOn);
    }

    /** How long the last execution took; zero when it has not finished. */
    public Duration duration() {
        return startedAt == null || finishedAt == null || finishedAt.isBefore(startedAt)
                ? Duration.ZERO
                : Duration.between(startedAt, finishedAt);
    }

    /**
     * How many times the engine starts this step at most: 1 plus its settings' {@code retries}
     * (1 when the settings do not say, or are not valid).
     */
    public int maxAttempts() {
        return executionPolicy().retries() + 1;
    }

    /**
     * How long the engine waits before starting the step again after its last attempt ({@link #attempt()})
     * failed: {@code retry_backoff_seconds} (default 1), doubled after each attempt.
     */
    public Duration retryBackoff() {
        return executionPolicy().backoffAfter(attempt);
    }

    private ExecutionPolicy executionPolicy() {
        JsonNode value = settings.get(type);
        try {
            return value != null && value.isObject() ? ExecutionPolicy.read(new JsonSettings(value, "$." + type))
                    : ExecutionPolicy.DEFAULT;
        } catch (RuntimeException invalid) {
            return ExecutionPolicy.DEFAULT;
        }
    }

    /** A copy of the settings, safe to modify. */
    @Override
    public JsonNode settings() {
        return settings.deepCopy();
    }

    /** A copy of the results (null before the first execution), safe to modify. */
    @Override
    public JsonNode results() {
        return results == null ? null : results.deepCopy();
    }
}
