package dev.tasksync;

import java.util.function.Function;

/** The statuses' and outcomes' way back from the value a column stores to the constant. */
final class StoredNames {
    private StoredNames() {
    }

    /** The constant of {@code all} whose stored value is {@code value}; {@code what} names the kind in the refusal. */
    static <E extends Enum<E>> E fromDb(E[] all, Function<E, String> stored, String value, String what) {
        for (E e : all) {
            if (stored.apply(e).equals(value)) {
                return e;
            }
        }
        throw new TaskSyncException("unknown " + what + " '" + value + "'");
    }
}
