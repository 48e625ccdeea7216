package dev.tasksync.docker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.spi.JsonSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Collections;
import java.util.LinkedHashMap;

/** Parsing and writing helpers shared by the Docker settings. */
final class Settings {
    private Settings() {
    }

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** Refuses fields this type does not know, naming the field and the accepted ones (the core's too, at the top). */
    static void onlyFields(JsonSettings value, Set<String> known) {
        value.onlyFields(known);
    }

    /** An optional image reference ({@code image_tag}); see {@link ImageReference}. */
    static Optional<String> optionalImage(JsonSettings value, String name) {
        return value.optionalField(name).map(f -> ImageReference.check(f, true));
    }

    /** An optional image id; see {@link ImageReference#checkId}. */
    static Optional<String> optionalImageId(JsonSettings value, String name) {
        return value.optionalField(name).map(ImageReference::checkId);
    }

    static Optional<String> optionalNonBlank(JsonSettings value, String name) {
        return value.optionalField(name).map(JsonSettings::asNonBlankString);
    }

    static List<String> nonBlankList(JsonSettings value, String name) {
        return value.optionalField(name).map(list -> {
            List<String> items = new ArrayList<>();
            for (JsonSettings item : list.asList()) {
                items.add(item.asNonBlankString());
            }
            return List.copyOf(items);
        }).orElse(List.of());
    }

    static Optional<Duration> timeout(JsonSettings value, String name) {
        return value.optionalField(name).map(t -> {
            long seconds = t.asLong();
            if (seconds <= 0) {
                throw t.invalid("must be a positive number of seconds");
            }
            return Duration.ofSeconds(seconds);
        });
    }

    /** The image a step uses, as its settings' JSON starts: {@code image_tag} and {@code image_id}, each when set. */
    static ObjectNode image(String imageTag, String imageId) {
        ObjectNode o = JSON.objectNode();
        putString(o, "image_tag", imageTag);
        putString(o, "image_id", imageId);
        return o;
    }

    static ArrayNode array(List<String> items) {
        ArrayNode a = JSON.arrayNode();
        items.forEach(a::add);
        return a;
    }

    static void putList(ObjectNode node, String name, List<String> items) {
        if (items != null && !items.isEmpty()) {
            node.set(name, array(items));
        }
    }

    static void putMap(ObjectNode node, String name, Map<String, String> map) {
        if (map != null && !map.isEmpty()) {
            ObjectNode o = node.putObject(name);
            map.forEach(o::put);
        }
    }

    static void putString(ObjectNode node, String name, String value) {
        if (value != null) {
            node.put(name, value);
        }
    }

    static List<String> copy(List<String> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    static <K, V> Map<K, V> copy(Map<K, V> map) {
        return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
