package dev.tasksync.internal.sql;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Values of a named statement's parameters, by name (a value may be null). */
public final class Params {
    private final Map<String, Object> values = new HashMap<>();

    public static Params of() {
        return new Params();
    }

    public Params set(String name, Object value) {
        values.put(name, value);
        return this;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    Object get(String name) {
        return values.get(name);
    }

    Set<String> names() {
        return values.keySet();
    }
}
