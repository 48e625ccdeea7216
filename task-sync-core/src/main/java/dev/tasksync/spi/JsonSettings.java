package dev.tasksync.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.tasksync.InvalidSettingsException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Collection;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

/**
 * A read-only view of one node of a settings document that knows its JSON path, so every
 * "missing" or "wrong type" error names the exact field, e.g. {@code $.docker_run.command[1]}.
 */
public final class JsonSettings {
    /**
     * Keys the core reads from every type's settings object (and removes before the type's
     * {@code parse} sees them): name them among the accepted fields in "unknown field" messages.
     */
    public static final List<String> CORE_FIELDS = List.of("depends_on", "retries", "retry_backoff_seconds", "timeout_seconds", "runs_on");

    private final JsonNode node;
    private final String path;

    public JsonSettings(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** The JSON path of this node, e.g. {@code $.docker_build}. */
    public String path() {
        return path;
    }

    /** The underlying JSON (do not modify it). */
    public JsonNode json() {
        return node;
    }

    public boolean isObject() {
        return node.isObject();
    }

    public boolean isArray() {
        return node.isArray();
    }

    public boolean isString() {
        return node.isTextual();
    }

    public boolean has(String field) {
        return node.isObject() && node.has(field) && !node.get(field).isNull();
    }

    /** Throws unless this node is an object. */
    public JsonSettings requireObject() {
        if (!node.isObject()) {
            throw invalid("expected an object, got " + describe(node));
        }
        return this;
    }

    /**
     * Throws, naming the field, unless every field of this object is one of {@code known}. The message lists
     * what is accepted: {@code known} and, for a type's own object ({@code $.type}), the core's
     * {@link #CORE_FIELDS}, which that object also takes.
     */
    public JsonSettings onlyFields(Collection<String> known) {
        requireObject();
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                Set<String> accepted = new TreeSet<>(known);
                if (isTypeObject()) {
                    accepted.addAll(CORE_FIELDS);
                }
                throw new InvalidSettingsException(path + "." + name,
                        "unknown field; expected one of " + String.join(", ", accepted));
            }
        }
        return this;
    }

    /** This node is a type's own settings object ({@code $.docker_run}), not one nested in it. */
    private boolean isTypeObject() {
        return path.startsWith("$.") && path.indexOf('.', 2) < 0 && path.indexOf('[') < 0;
    }

    public JsonSettings field(String name) {
        requireObject();
        JsonNode child = node.get(name);
        if (child == null || child.isNull()) {
            throw new InvalidSettingsException(path + "." + name, "required field is missing");
        }
        return new JsonSettings(child, path + "." + name);
    }

    public Optional<JsonSettings> optionalField(String name) {
        requireObject();
        JsonNode child = node.get(name);
        return child == null || child.isNull()
                ? Optional.empty()
                : Optional.of(new JsonSettings(child, path + "." + name));
    }

    public String asString() {
        if (!node.isTextual()) {
            throw invalid("expected a string, got " + describe(node));
        }
        return node.textValue();
    }

    /** A non-blank string. */
    public String asNonBlankString() {
        String s = asString();
        if (s.isBlank()) {
            throw invalid("must not be blank");
        }
        return s;
    }

    public boolean asBoolean() {
        if (!node.isBoolean()) {
            throw invalid("expected true or false, got " + describe(node));
        }
        return node.booleanValue();
    }

    public long asLong() {
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw invalid("expected an integer, got " + describe(node));
        }
        return node.longValue();
    }

    public int asInt() {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw invalid("expected an integer, got " + describe(node));
        }
        return node.intValue();
    }

    public double asDouble() {
        if (!node.isNumber()) {
            throw invalid("expected a number, got " + describe(node));
        }
        return node.doubleValue();
    }

    public List<JsonSettings> asList() {
        if (!node.isArray()) {
            throw invalid("expected an array, got " + describe(node));
        }
        List<JsonSettings> items = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            items.add(new JsonSettings(node.get(i), path + "[" + i + "]"));
        }
        return items;
    }

    public List<String> asStringList() {
        return asList().stream().map(JsonSettings::asString).toList();
    }

    /** A single string or an array of strings, as {@code file_exists} takes. */
    public List<String> asStringOrStringList() {
        if (node.isTextual()) {
            return List.of(node.textValue());
        }
        if (!node.isArray()) {
            throw invalid("expected a string or an array of strings, got " + describe(node));
        }
        return asStringList();
    }

    /** An object whose values are all strings, in document order. */
    public Map<String, String> asStringMap() {
        requireObject();
        Map<String, String> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(e ->
                map.put(e.getKey(), new JsonSettings(e.getValue(), path + "." + e.getKey()).asString()));
        return map;
    }

    public String string(String name) {
        return field(name).asString();
    }

    public Optional<String> optionalString(String name) {
        return optionalField(name).map(JsonSettings::asString);
    }

    public List<String> stringList(String name) {
        return optionalField(name).map(JsonSettings::asStringList).orElse(List.of());
    }

    public Optional<Boolean> optionalBoolean(String name) {
        return optionalField(name).map(JsonSettings::asBoolean);
    }

    public Optional<Integer> optionalInt(String name) {
        return optionalField(name).map(JsonSettings::asInt);
    }

    public Map<String, String> stringMap(String name) {
        return optionalField(name).map(JsonSettings::asStringMap).orElse(Map.of());
    }

    /** An error about this node, naming its path. */
    public InvalidSettingsException invalid(String message) {
        return new InvalidSettingsException(path, message);
    }

    private static String describe(JsonNode node) {
        JsonNodeType type = node.getNodeType();
        return switch (type) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> type.name().toLowerCase();
        };
    }
}
