package dev.tasksync.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tasksync.StepSettings;

import java.util.List;

/**
 * Settings of a {@code file_exists} step: paths relative to the task's local_path that must all
 * exist; a directory counts. One path is stored as a string, several as an array, as the
 * specification shows. Paths outside local_path (absolute, {@code ..}, or through a symbolic
 * link) are refused unless {@code allowOutside}, stored in the object form
 * {@code {"paths": [...], "allow_outside": true}}.
 */
public record FileExists(List<String> paths, boolean allowOutside) implements StepSettings {
    public static final String TYPE = "file_exists";

    public FileExists(List<String> paths) {
        this(paths, false);
    }

    public FileExists {
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("file_exists needs at least one path");
        }
        paths = List.copyOf(paths);
    }

    public static FileExists of(String... paths) {
        return new FileExists(List.of(paths));
    }

    /** These paths, which may lie outside the task's local_path. */
    public FileExists withAllowOutside(boolean allowOutside) {
        return new FileExists(paths, allowOutside);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JsonNode toJson() {
        if (allowOutside) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            ArrayNode array = o.putArray("paths");
            paths.forEach(array::add);
            o.put("allow_outside", true);
            return o;
        }
        if (paths.size() == 1) {
            return TextNode.valueOf(paths.get(0));
        }
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        paths.forEach(array::add);
        return array;
    }
}
