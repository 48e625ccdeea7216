package dev.tasksync.spi;

import java.util.Objects;

/**
 * Keys of the resources steps make and use ({@link StepType#produces}, {@link StepType#consumes}), so that the
 * core can order a step after the step of the same task that makes what it uses. Built-in keys are
 * {@code image:<reference>} and {@code container:<name>}; a custom type may use its own prefix.
 */
public final class StepResources {
    private StepResources() {
    }

    /**
     * A Docker image by reference. A reference without a tag or digest means {@code :latest}, as Docker reads it,
     * so {@code my-app} and {@code my-app:latest} are one key.
     */
    public static String image(String reference) {
        String ref = Objects.requireNonNull(reference, "reference").strip();
        String last = ref.substring(ref.lastIndexOf('/') + 1);
        if (!last.contains(":") && !last.contains("@")) {
            ref = ref + ":latest";
        }
        return "image:" + ref;
    }

    /** A Docker container by name (Docker's leading {@code /} left out). */
    public static String container(String name) {
        String n = Objects.requireNonNull(name, "name").strip();
        return "container:" + (n.startsWith("/") ? n.substring(1) : n);
    }

    /** A key for people: {@code image:my-app:1.0} reads {@code image my-app:1.0}. */
    public static String describe(String key) {
        int colon = key.indexOf(':');
        return colon < 0 ? key : key.substring(0, colon) + " " + key.substring(colon + 1);
    }
}
