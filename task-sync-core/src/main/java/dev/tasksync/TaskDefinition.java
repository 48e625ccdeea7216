package dev.tasksync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.internal.types.StepTypeRegistry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A task and its steps as written in Java. Save it with {@link TaskSync#save(TaskDefinition)}:
 * the task is matched by name and each step by title, so saving again updates in place.
 *
 * <pre>{@code
 * TaskDefinition build = TaskDefinition.named("build-app")
 *     .localPath("/src/app")
 *     .step("Check sources", FileExists.of("main.go", "go.mod"))
 *     .step("Build image", myBuildSettings).dependsOn("Check sources")
 *     .build();
 * }</pre>
 */
public record TaskDefinition(String name, String status, String localPath, List<StepDefinition> steps) {

    public TaskDefinition {
        Objects.requireNonNull(name, "name");
        steps = List.copyOf(steps);
    }

    /**
     * One step of a definition; dependencies name other steps of the same definition by title.
     * {@code retries}, {@code retryBackoff} and {@code timeout} are null unless set; {@code runsOn} (the labels a
     * worker must have to claim the step, stored as {@code runs_on}) is null unless set.
     */
    public record StepDefinition(String title, StepSettings settings, List<String> dependsOn,
                                 Integer retries, Duration retryBackoff, Duration timeout, List<String> runsOn) {
        public StepDefinition {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(settings, "settings of step '" + title + "'");
            dependsOn = List.copyOf(dependsOn);
            runsOn = runsOn == null ? null : List.copyOf(runsOn);
        }

        public StepDefinition(String title, StepSettings settings, List<String> dependsOn,
                              Integer retries, Duration retryBackoff, Duration timeout) {
            this(title, settings, dependsOn, retries, retryBackoff, timeout, null);
        }

        public StepDefinition(String title, StepSettings settings, List<String> dependsOn) {
            this(title, settings, dependsOn, null, null, null, null);
        }

        /** The settings value as stored: the type's JSON plus retries, backoff, timeout and runs_on when set. */
        public JsonNode value() {
            JsonNode value = settings.toJson();
            if (retries == null && retryBackoff == null && timeout == null && runsOn == null) {
                return value;
            }
            if (!(value instanceof ObjectNode)) {
                // file_exists' string and array forms have an object form that can carry them
                value = StepTypeRegistry.objectForm(settings.type(), value).map(JsonNode.class::cast).orElse(value);
            }
            if (!(value instanceof ObjectNode object)) {
                throw new InvalidSettingsException("$." + settings.type(), "settings of type " + settings.type()
                        + " are not an object, so they cannot carry retries, a timeout or runs_on");
            }
            if (runsOn != null) {
                var labels = object.putArray("runs_on");
                runsOn.forEach(labels::add);
            }
            if (retries != null) {
                object.put("retries", retries);
            }
            if (retryBackoff != null) {
                object.put("retry_backoff_seconds", retryBackoff.toMillis() / 1000.0);
            }
            if (timeout != null) {
                object.put("timeout_seconds", timeout.toMillis() / 1000.0);
            }
            return object;
        }
    }

    /** Starts a definition of the task with this (unique) name. */
    public static Builder named(String name) {
        return new Builder(name);
    }

    /** Builds the task's own fields, then its steps. */
    public static final class Builder {
        private final String name;
        private String status;
        private String localPath;
        private List<String> runsOn;
        private final List<StepBuilder> steps = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        /**
         * The directory the task's step paths are relative to. A relative one ({@code "."}) is stored
         * absolute and normalised, resolved against the working directory of the process that saves it.
         */
        public Builder localPath(String localPath) {
            this.localPath = localPath;
            return this;
        }

        public Builder localPath(Path localPath) {
            return localPath(localPath.toAbsolutePath().toString());
        }

        /** The task's status; left as stored when not set ({@code new} for a new task). */
        public Builder status(String status) {
            this.status = status;
            return this;
        }

        /**
         * The labels a worker must have to claim this task's steps that name none of their own
         * ({@link StepBuilder#runsOn}); written into each such step's settings as {@code runs_on}.
         */
        public Builder runsOn(String... labels) {
            this.runsOn = List.of(labels);
            return this;
        }

        /** Adds a step; chain {@link StepBuilder#dependsOn} to name what it waits for. */
        public StepBuilder step(String title, StepSettings settings) {
            StepBuilder step = new StepBuilder(this, title, settings);
            steps.add(step);
            return step;
        }

        public TaskDefinition build() {
            return new TaskDefinition(name, status, localPath,
                    steps.stream().map(s -> new StepDefinition(s.title, s.settings, s.dependsOn, s.retries,
                            s.retryBackoff, s.timeout, s.runsOn != null ? s.runsOn : runsOn)).toList());
        }
    }

    /** A step being added; offers its dependencies, the next step, or the finished definition. */
    public static final class StepBuilder {
        private final Builder task;
        private final String title;
        private final StepSettings settings;
        private final List<String> dependsOn = new ArrayList<>();
        private Integer retries;
        private Duration retryBackoff;
        private Duration timeout;
        private List<String> runsOn;

        private StepBuilder(Builder task, String title, StepSettings settings) {
            this.task = task;
            this.title = title;
            this.settings = settings;
        }

        /** This step runs only after the named steps (titles in this definition) completed. */
        public StepBuilder dependsOn(String... titles) {
            dependsOn.addAll(Arrays.asList(titles));
            return this;
        }

        /** Attempts again up to {@code retries} times after a failure, waiting a doubling backoff between. */
        public StepBuilder retries(int retries) {
            this.retries = retries;
            return this;
        }

        /** The wait before the first retry (default one second); it doubles after each attempt. */
        public StepBuilder retryBackoff(Duration backoff) {
            this.retryBackoff = backoff;
            return this;
        }

        /** Interrupts the step (and stops its containers) when it runs longer than this. */
        public StepBuilder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * Only a worker with all these labels ({@code WorkerOptions.withLabels}, {@code task-sync worker --label})
         * claims this step; stored as {@code runs_on}. In-process runs ({@code TaskSync.run}) run it anyway.
         */
        public StepBuilder runsOn(String... labels) {
            this.runsOn = List.of(labels);
            return this;
        }

        public StepBuilder step(String title, StepSettings settings) {
            return task.step(title, settings);
        }

        public TaskDefinition build() {
            return task.build();
        }
    }
}
