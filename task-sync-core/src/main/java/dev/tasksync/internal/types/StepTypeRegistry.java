package dev.tasksync.internal.types;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.TaskSyncException;
import dev.tasksync.UnknownStepTypeException;
import dev.tasksync.internal.Closeables;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepType;
import dev.tasksync.spi.StepTypeProvider;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.Optional;

/**
 * The step types known to one TaskSync instance: ServiceLoader's (types, and those of providers), then those
 * registered in code. It owns the providers it loaded and closes them.
 */
public final class StepTypeRegistry implements AutoCloseable {
    public static final String DEPENDS_ON = "depends_on";
    /** Keys of a settings object read by the core for every type; step types never see them. */
    public static final List<String> CORE_KEYS = JsonSettings.CORE_FIELDS;
    private static final ObjectMapper MAPPER = SettingsJson.READ;

    private final Map<String, StepType<?>> types;
    private final List<StepTypeProvider> providers;

    private StepTypeRegistry(Map<String, StepType<?>> types, List<StepTypeProvider> providers) {
        this.types = Map.copyOf(types);
        this.providers = List.copyOf(providers);
    }

    /** Types found by ServiceLoader on the class loader, overridden by {@code explicit} ones of the same key. */
    public static StepTypeRegistry load(ClassLoader loader, Collection<StepType<?>> explicit) {
        Map<String, StepType<?>> types = new LinkedHashMap<>();
        Iterator<StepType> it = ServiceLoader.load(StepType.class, loader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                StepType<?> type = it.next();
                types.put(type.key(), type);
            } catch (ServiceConfigurationError e) {
                throw new TaskSyncException("could not load a step type listed in META-INF/services: " + e.getMessage(), e);
            }
        }
        List<StepTypeProvider> providers = new ArrayList<>();
        Iterator<StepTypeProvider> found = ServiceLoader.load(StepTypeProvider.class, loader).iterator();
        try {
            while (found.hasNext()) {
                StepTypeProvider provider = found.next();
                providers.add(provider);
                provider.stepTypes().forEach(type -> types.put(type.key(), type));
            }
        } catch (ServiceConfigurationError e) {
            Closeables.closeAll(providers);
            throw new TaskSyncException("could not load a step type provider listed in META-INF/services: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            Closeables.closeAll(providers);
            throw e;
        }
        for (StepType<?> type : explicit) {
            types.put(type.key(), type);
        }
        return new StepTypeRegistry(types, providers);
    }

    /** The facts of every provider about where its steps run (see StepTypeProvider#placement); one provider's failure is left out. */
    public Map<String, String> placement() {
        Map<String, String> facts = new TreeMap<>();
        for (StepTypeProvider provider : providers) {
            try {
                facts.putAll(provider.placement());
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(StepTypeRegistry.class).warn("{} could not say where its steps run: {}",
                        provider.getClass().getName(), e.getMessage());
            }
        }
        return facts;
    }

    /** Closes the providers ServiceLoader found (their shared connections); types registered in code stay open. */
    @Override
    public void close() {
        Closeables.closeAll(providers);
    }

    public Collection<String> keys() {
        return types.keySet();
    }

    public StepType<?> get(String key) {
        StepType<?> type = types.get(key);
        if (type == null) {
            throw new UnknownStepTypeException(key, types.keySet());
        }
        return type;
    }

    /** Parses settings JSON text; malformed JSON is reported with its line and column. */
    public ParsedSettings parse(String json) {
        if (json == null || json.isBlank()) {
            throw new InvalidSettingsException("$", "settings are empty; expected an object such as {\"file_exists\": \"path\"}");
        }
        return parse(SettingsJson.parse(json));
    }

    /**
     * Checks a settings document: one key naming a known type, a valid value, well-formed depends_on,
     * and nothing that could not be stored and read back ({@link SettingsJson#check}).
     */
    public ParsedSettings parse(JsonNode document) {
        if (document == null || !document.isObject()) {
            throw new InvalidSettingsException("$", "expected an object with one key naming the step type, such as {\"file_exists\": \"path\"}");
        }
        if (document.size() != 1) {
            List<String> keys = new ArrayList<>();
            document.fieldNames().forEachRemaining(keys::add);
            throw new InvalidSettingsException("$", "expected exactly one top-level key naming the step type, got "
                    + (keys.isEmpty() ? "none" : keys.size() + ": " + String.join(", ", keys)));
        }
        SettingsJson.check(document, "$");
        String key = document.fieldNames().next();
        StepType<?> type = get(key);
        JsonNode value = document.get(key);
        String path = "$." + key;
        List<Integer> dependsOn = List.of();
        ExecutionPolicy policy = ExecutionPolicy.read(new JsonSettings(value, path));
        RunsOn.read(new JsonSettings(value, path)); // checked here; claims read it from the stored settings
        if (value.isObject() && value.has(DEPENDS_ON)) {
            dependsOn = parseDependsOn(new JsonSettings(value.get(DEPENDS_ON), path + "." + DEPENDS_ON));
        }
        if (value.isObject()) {
            value = withoutCoreKeys(value);
        }
        Object settings;
        try {
            settings = type.parse(new JsonSettings(value, path));
        } catch (InvalidSettingsException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidSettingsException(path, e.getMessage() == null ? e.toString() : e.getMessage());
        }
        if (settings == null) {
            throw new InvalidSettingsException(path, "step type " + key + " parsed these settings to null");
        }
        checkWatchedPaths(type, settings, value, path);
        return new ParsedSettings(key, type, document, value, settings, dependsOn, policy);
    }

    /**
     * A new object of {@code value}'s fields but the core's, sharing their values with {@code value} (a shallow copy:
     * a deep one cost every claim a copy of its settings). Nothing writes to them: a type reads them through
     * {@link JsonSettings}, which is read-only, and {@code StepContext.settingsJson()} hands out a deep copy.
     */
    private static ObjectNode withoutCoreKeys(JsonNode value) {
        ObjectNode copy = MAPPER.getNodeFactory().objectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            if (!CORE_KEYS.contains(e.getKey())) {
                copy.set(e.getKey(), e.getValue());
            }
        }
        return copy;
    }

    /** Watched paths become keys of results and of the file index: they must stay readable there. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void checkWatchedPaths(StepType<?> type, Object settings, JsonNode value, String path) {
        List<String> watched = ((StepType) type).watchedFiles(settings);
        for (String file : watched) {
            if (file != null && file.length() > SettingsJson.MAX_PATH_LENGTH) {
                throw new InvalidSettingsException(SettingsJson.pathOf(value, path, file, path), "the path is "
                        + file.length() + " characters long; at most " + SettingsJson.MAX_PATH_LENGTH + " are allowed");
            }
        }
    }

    /** Entries are {@code {"id": N}}: positive step ids, each named once, no other keys. */
    private static List<Integer> parseDependsOn(JsonSettings dependsOn) {
        List<Integer> ids = new ArrayList<>();
        for (JsonSettings entry : dependsOn.asList()) {
            JsonSettings idField = entry.field("id");
            entry.json().fieldNames().forEachRemaining(name -> {
                if (!name.equals("id")) {
                    throw new InvalidSettingsException(entry.path() + "." + name,
                            "unknown field; a depends_on entry is {\"id\": STEP_ID}");
                }
            });
            int id = idField.asInt();
            if (id <= 0) {
                throw idField.invalid("must be a positive step id, was " + id);
            }
            if (ids.contains(id)) {
                throw idField.invalid("step " + id + " is named twice in depends_on");
            }
            ids.add(id);
        }
        return List.copyOf(ids);
    }

    /** Returns the document with its {@code depends_on} replaced by these ids (removed when empty). */
    /**
     * {@code value} as an object that can carry {@code depends_on}: a copy of it, or for {@code file_exists}'s
     * string and array forms {@code {"paths": [...]}}; empty when the type has no object form.
     */
    public static Optional<ObjectNode> objectForm(String type, JsonNode value) {
        if (value.isObject()) {
            return Optional.of(((ObjectNode) value).deepCopy());
        }
        if (type.equals("file_exists") && (value.isTextual() || value.isArray())) {
            ObjectNode o = MAPPER.createObjectNode();
            var paths = o.putArray("paths");
            if (value.isTextual()) {
                paths.add(value);
            } else {
                value.forEach(paths::add);
            }
            return Optional.of(o);
        }
        return Optional.empty();
    }

    public static JsonNode withDependsOn(String type, JsonNode value, List<Integer> ids) {
        ObjectNode document = MAPPER.createObjectNode();
        if (ids.isEmpty()) {
            document.set(type, value);
            return document;
        }
        ObjectNode copy = objectForm(type, value).orElseThrow(() -> new InvalidSettingsException("$." + type,
                "settings of type " + type + " are not an object, so they cannot carry depends_on"));
        var array = copy.putArray(DEPENDS_ON);
        ids.forEach(id -> array.addObject().put("id", id));
        document.set(type, copy);
        return document;
    }
}
