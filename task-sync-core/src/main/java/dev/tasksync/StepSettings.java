package dev.tasksync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.internal.types.SettingsJson;

/**
 * Typed settings for one step in the DSL. {@link #toJson()} gives the value stored under the
 * {@link #type()} key, i.e. exactly what {@code task-sync step create --settings} would store.
 * Built-in types have records (e.g. {@link dev.tasksync.steps.FileExists}); for any other type use
 * {@link #of(String, Object)}.
 */
public interface StepSettings {

    /** The step type's JSON key, e.g. {@code file_exists}. */
    String type();

    /** The value stored under {@link #type()}. */
    JsonNode toJson();

    /** Settings for any step type, from a JSON string, a Jackson node, a Map, a List or a record. */
    static StepSettings of(String type, Object value) {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode json;
        if (value instanceof JsonNode node) {
            json = node.deepCopy();
        } else if (value instanceof String text && looksLikeJson(text)) {
            try {
                json = SettingsJson.parse(text);
            } catch (InvalidSettingsException e) {
                throw new InvalidSettingsException("$." + type, e.problems().get(0).message());
            }
        } else {
            json = mapper.valueToTree(value);
        }
        JsonNode frozen = json;
        return new StepSettings() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public JsonNode toJson() {
                return frozen.deepCopy();
            }

            @Override
            public String toString() {
                return "{\"" + type + "\":" + frozen + "}";
            }
        };
    }

    /**
     * Parses settings text the way {@code task-sync step create --settings} and {@link #of(String, Object)} do:
     * one JSON document, duplicate keys and anything after it refused; malformed text is an
     * {@link InvalidSettingsException} giving the line and column.
     */
    static JsonNode parseJson(String text) {
        return SettingsJson.parse(text);
    }

    private static boolean looksLikeJson(String text) {
        String t = text.strip();
        return t.startsWith("{") || t.startsWith("[");
    }
}
