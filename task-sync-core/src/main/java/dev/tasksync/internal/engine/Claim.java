package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A step claimed for this process: its lease is set, its attempt counted. {@code leaseFrom} is the
 * System.nanoTime() taken before the statement that set the lease, from which the lease surely still holds.
 */
record Claim(int stepId, int taskId, int attempt, JsonNode settings, JsonNode inputs, JsonNode lastResults,
             long leaseFrom) {
}
