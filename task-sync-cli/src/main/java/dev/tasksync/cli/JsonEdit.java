package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tasksync.StepSettings;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code step edit --set path=VALUE} and {@code --remove-key path} on a settings document.
 * Paths are dotted keys with optional array indexes, optionally starting with {@code $.}:
 * {@code docker_build.image_tag}, {@code file_exists[1]}, {@code docker_shell.command[0].command}.
 * VALUE is parsed as JSON when it is valid JSON ({@code 42}, {@code true}, {@code ["a","b"]},
 * {@code {"id":1}}, {@code "1.0"}); otherwise it is taken as a string.
 */
final class JsonEdit {
    private JsonEdit() {
    }

    /** One path segment: an object key, or an array index when key is null. */
    record Segment(String key, int index) {
        @Override
        public String toString() {
            return key != null ? key : "[" + index + "]";
        }
    }

    static List<Segment> parse(String path) {
        String p = path.trim();
        if (p.startsWith("$.")) {
            p = p.substring(2);
        } else if (p.startsWith("$")) {
            p = p.substring(1);
        }
        List<Segment> segments = new ArrayList<>();
        int i = 0;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '.') {
                i++;
                continue;
            }
            if (c == '[') {
                int end = p.indexOf(']', i);
                if (end < 0) {
                    throw new Cli.UsageException("JSON path '" + path + "': missing ']'");
                }
                String inner = p.substring(i + 1, end).trim();
                if (inner.startsWith("\"") && inner.endsWith("\"") && inner.length() >= 2) {
                    segments.add(new Segment(inner.substring(1, inner.length() - 1), -1));
                } else {
                    try {
                        segments.add(new Segment(null, Integer.parseInt(inner)));
                    } catch (NumberFormatException e) {
                        throw new Cli.UsageException("JSON path '" + path + "': '" + inner + "' is not an array index");
                    }
                }
                i = end + 1;
                continue;
            }
            int end = i;
            while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
                end++;
            }
            segments.add(new Segment(p.substring(i, end), -1));
            i = end;
        }
        if (segments.isEmpty()) {
            throw new Cli.UsageException("JSON path '" + path + "' is empty; name a key such as docker_build.image_tag");
        }
        return segments;
    }

    /** VALUE as JSON when the whole of it is one JSON value, else as a string. */
    static JsonNode value(String text) {
        try {
            return StepSettings.parseJson(text);
        } catch (RuntimeException e) {
            return TextNode.valueOf(text);
        }
    }

    /** {@code path=VALUE}: sets the value, creating missing objects (and arrays for an index) on the way. */
    static void set(ObjectNode document, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new Cli.UsageException("--set needs json.path=VALUE, was '" + assignment + "'");
        }
        String path = assignment.substring(0, eq);
        if (assignment.substring(eq + 1).isEmpty()) {
            // An empty VALUE is a slip far more often than a wish for "" (or null): say so.
            throw new Cli.UsageException("--set " + path + "=: the value is empty; give one (\"\" for an empty string),"
                    + " or use --remove-key " + path + " to remove the key");
        }
        JsonNode value = value(assignment.substring(eq + 1));
        List<Segment> segments = parse(path);
        JsonNode node = document;
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            boolean last = i == segments.size() - 1;
            Segment next = last ? null : segments.get(i + 1);
            if (s.key() != null) {
                if (!(node instanceof ObjectNode obj)) {
                    throw new Cli.UsageException("JSON path '" + path + "': '" + s + "' is a key but " + where(segments, i) + " is not an object");
                }
                if (last) {
                    obj.set(s.key(), value);
                } else {
                    JsonNode child = obj.get(s.key());
                    if (child == null || child.isNull()) {
                        child = next.key() != null ? obj.putObject(s.key()) : obj.putArray(s.key());
                    }
                    node = child;
                }
            } else {
                if (!(node instanceof ArrayNode arr)) {
                    throw new Cli.UsageException("JSON path '" + path + "': " + s + " is an index but " + where(segments, i) + " is not an array");
                }
                if (s.index() < 0 || s.index() > arr.size()) {
                    throw new Cli.UsageException("JSON path '" + path + "': index " + s.index() + " is out of range (the array has "
                            + arr.size() + " elements; use " + arr.size() + " to append)");
                }
                if (last) {
                    if (s.index() == arr.size()) {
                        arr.add(value);
                    } else {
                        arr.set(s.index(), value);
                    }
                } else {
                    if (s.index() == arr.size()) {
                        node = next.key() != null ? arr.addObject() : arr.addArray();
                    } else {
                        node = arr.get(s.index());
                    }
                }
            }
        }
    }

    /** Removes the key (or array element) at path; a path that names nothing is an error. */
    static void remove(ObjectNode document, String path) {
        List<Segment> segments = parse(path);
        JsonNode node = document;
        for (int i = 0; i < segments.size() - 1; i++) {
            node = child(node, segments.get(i));
            if (node == null) {
                throw new Cli.UsageException("JSON path '" + path + "': nothing at " + where(segments, i + 1));
            }
        }
        Segment last = segments.get(segments.size() - 1);
        if (last.key() != null && node instanceof ObjectNode obj && obj.has(last.key())) {
            obj.remove(last.key());
        } else if (last.key() == null && node instanceof ArrayNode arr && last.index() >= 0 && last.index() < arr.size()) {
            arr.remove(last.index());
        } else {
            throw new Cli.UsageException("JSON path '" + path + "': nothing to remove at " + where(segments, segments.size()));
        }
    }

    private static JsonNode child(JsonNode node, Segment s) {
        if (s.key() != null) {
            return node.isObject() ? node.get(s.key()) : null;
        }
        return node.isArray() ? node.get(s.index()) : null;
    }

    private static String where(List<Segment> segments, int count) {
        StringBuilder sb = new StringBuilder("$");
        for (int i = 0; i < count; i++) {
            Segment s = segments.get(i);
            sb.append(s.key() != null ? "." + s.key() : s.toString());
        }
        return sb.toString();
    }
}
