package dev.tasksync.internal.types;

import dev.tasksync.InvalidSettingsException;
import dev.tasksync.spi.JsonSettings;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.Collections;

/**
 * The labels a step needs of the worker that claims it ({@code "runs_on": ["gpu", "region=eu"]}, read by the core
 * from every type's settings object, like {@code depends_on}), and the labels a worker offers. A label is
 * {@code name} or {@code name=value}; a step is claimed only by a worker that has every one of its labels.
 */
public final class RunsOn {
    public static final String FIELD = "runs_on";
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*(=[A-Za-z0-9._/:-]*)?");
    static final int MAX_LENGTH = 100;
    static final int MAX_LABELS = 50;

    private RunsOn() {
    }

    /** The step's {@code runs_on}, checked; empty when it names none (the task's default then applies). */
    public static Optional<List<String>> read(JsonSettings value) {
        if (!value.isObject() || !value.has(FIELD)) {
            return Optional.empty();
        }
        JsonSettings field = value.field(FIELD);
        if (!field.isArray()) {
            throw field.invalid("must be an array of labels such as [\"gpu\", \"region=eu\"]");
        }
        List<String> labels = new ArrayList<>();
        List<JsonSettings> entries = field.asList();
        if (entries.size() > MAX_LABELS) {
            throw field.invalid("names " + entries.size() + " labels; at most " + MAX_LABELS + " are allowed");
        }
        for (JsonSettings entry : entries) {
            if (!entry.isString()) {
                throw entry.invalid("must be a label (a string such as \"gpu\" or \"region=eu\")");
            }
            String label = entry.asString();
            String problem = problem(label);
            if (problem != null) {
                throw entry.invalid(problem);
            }
            if (labels.contains(label)) {
                throw entry.invalid("label '" + label + "' is named twice");
            }
            labels.add(label);
        }
        return Optional.of(List.copyOf(labels));
    }

    /** Labels given in code or on the command line, checked; the message names the bad one. */
    public static Set<String> checkLabels(Collection<String> labels) {
        Set<String> checked = new LinkedHashSet<>();
        for (String label : labels) {
            String problem = problem(label);
            if (problem != null) {
                throw new IllegalArgumentException("label '" + label + "': " + problem);
            }
            checked.add(label);
        }
        return Collections.unmodifiableSet(checked);
    }

    /** As {@link #checkLabels}, for a task's default {@code runs_on}: the message names {@code field}. */
    public static List<String> checkTaskDefault(Collection<String> labels, String field) {
        try {
            return List.copyOf(checkLabels(labels));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingsException(field, e.getMessage());
        }
    }

    private static String problem(String label) {
        if (label == null || label.isEmpty()) {
            return "a label must not be empty";
        }
        if (label.length() > MAX_LENGTH) {
            return "a label is at most " + MAX_LENGTH + " characters, this one has " + label.length();
        }
        if (!LABEL.matcher(label).matches()) {
            return "a label is name or name=value (letters, digits, '.', '_', '-', '/'; a value may also hold ':')";
        }
        return null;
    }
}
