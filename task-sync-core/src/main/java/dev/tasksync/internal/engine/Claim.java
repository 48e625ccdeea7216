package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A step claimed for this process: its lease is set, its attempt counted. {@code leaseFrom} is the
 * System.nanoTime() taken before the statement that set the lease, from which the lease surely still holds.
 * {@code inputs}: the step's stored inputs when they list files (claims.sql sends no others), else null.
 */
record Claim(int stepId, int taskId, int attempt, JsonNode settings, JsonNode inputs, JsonNode lastResults,
             long leaseFrom) {
}
