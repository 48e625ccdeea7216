package dev.tasksync;

import java.util.Collection;
import java.util.List;

/** The top-level key of a settings document names no registered step type. */
public class UnknownStepTypeException extends InvalidSettingsException {
    private final String key;

    public UnknownStepTypeException(String key, Collection<String> known) {
        super(List.of(new Problem("$." + key, "unknown step type '" + key + "'; known types: "
                + String.join(", ", known.stream().sorted().toList())
                + " (a type from task-sync-docker needs that module on the classpath)")));
        this.key = key;
    }

    public String key() {
        return key;
    }
}
