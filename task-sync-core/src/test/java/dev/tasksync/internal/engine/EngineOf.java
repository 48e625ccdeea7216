package dev.tasksync.internal.engine;

import dev.tasksync.TaskSync;

import java.lang.reflect.Field;

/** The engine behind a {@link TaskSync}, for tests of its internal parts against a real database. */
final class EngineOf {
    private EngineOf() {
    }

    static Engine of(TaskSync ts) {
        try {
            Field f = TaskSync.class.getDeclaredField("engine");
            f.setAccessible(true);
            return (Engine) f.get(ts);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("TaskSync has no field 'engine'", e);
        }
    }
}
