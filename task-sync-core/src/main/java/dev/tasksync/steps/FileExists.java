package dev.tasksync.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tasksync.StepSettings;

import java.util.List;

/**
 * Settings of a {@code file_exists} step: paths relative to the task's local_path (absolute
 * allowed) that must all exist; a directory counts. One path is stored as a string, several as
 * an array, as the specification shows.
 */
public record FileExists(List<String> paths) implements StepSettings {
    public static final String TYPE = "file_exists";

    public FileExists {
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("file_exists needs at least one path");
        }
        paths = List.copyOf(paths);
    }

    public static FileExists of(String... paths) {
        return new FileExists(List.of(paths));
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JsonNode toJson() {
        if (paths.size() == 1) {
            return TextNode.valueOf(paths.get(0));
        }
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        paths.forEach(array::add);
        return array;
    }
}
