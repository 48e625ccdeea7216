package dev.tasksync.spi;

import com.fasterxml.jackson.databind.JsonNode;

/** A completed step this one depends on (directly or transitively), with what it produced. */
public record UpstreamStep(int id, String title, String type, JsonNode results, boolean direct) {
}
