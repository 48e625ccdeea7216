package dev.tasksync;

import java.nio.file.Path;
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

    /** One step of a definition; dependencies name other steps of the same definition by title. */
    public record StepDefinition(String title, StepSettings settings, List<String> dependsOn) {
        public StepDefinition {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(settings, "settings of step '" + title + "'");
            dependsOn = List.copyOf(dependsOn);
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
        private final List<StepBuilder> steps = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        /** The directory the task's step paths are relative to. */
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

        /** Adds a step; chain {@link StepBuilder#dependsOn} to name what it waits for. */
        public StepBuilder step(String title, StepSettings settings) {
            StepBuilder step = new StepBuilder(this, title, settings);
            steps.add(step);
            return step;
        }

        public TaskDefinition build() {
            return new TaskDefinition(name, status, localPath,
                    steps.stream().map(s -> new StepDefinition(s.title, s.settings, s.dependsOn)).toList());
        }
    }

    /** A step being added; offers its dependencies, the next step, or the finished definition. */
    public static final class StepBuilder {
        private final Builder task;
        private final String title;
        private final StepSettings settings;
        private final List<String> dependsOn = new ArrayList<>();

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

        public StepBuilder step(String title, StepSettings settings) {
            return task.step(title, settings);
        }

        public TaskDefinition build() {
            return task.build();
        }
    }
}
