package dev.tasksync.spi;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A kind of step, named by the top-level key of its settings JSON ({@code file_exists},
 * {@code docker_build}, ...). Implementations are found by {@link java.util.ServiceLoader}
 * (list them in {@code META-INF/services/dev.tasksync.spi.StepType}) or registered in code with
 * {@code TaskSync.builder().stepType(...)}. Built-in types register the same way.
 *
 * <p>When the settings value is an object, the core reads and removes its {@code depends_on}
 * array before calling {@link #parse}; a type never sees it.
 *
 * @param <S> the parsed, validated settings (ideally an immutable record)
 */
public interface StepType<S> {

    /** The JSON key naming this type, e.g. {@code "file_exists"}. */
    String key();

    /**
     * Parses and validates the value under {@link #key()}. Throw the exception from
     * {@link JsonSettings#invalid} (or the accessors' own) so the error names the field's path.
     */
    S parse(JsonSettings value);

    /**
     * Paths (relative to the task's local_path, or absolute) whose content this step depends on;
     * directories are walked. A change of their content makes the step run again.
     */
    default List<String> watchedFiles(S settings) {
        return List.of();
    }

    /**
     * True when these settings let the step read paths outside the task's local_path (the type's
     * {@code "allow_outside": true}); otherwise such watched paths are not read and count as missing,
     * see {@link LocalFiles}.
     */
    default boolean allowsOutside(S settings) {
        return false;
    }

    /**
     * Asked only when a step would otherwise be up to date: a reason to run it again although its
     * inputs did not change (e.g. "image my-app:1.0 is gone"), or empty when its outputs are still there.
     *
     * @param lastResults the results of the step's last successful execution
     */
    default Optional<String> staleReason(S settings, JsonNode lastResults) {
        return Optional.empty();
    }

    /**
     * Asked by plan when the step will run because its inputs changed: what the run would redo, in more detail than
     * which input changed (a grading matrix names its cells, "model-2 × tests_pass: patch changed"); appended to the
     * reason. Empty (the default) for nothing to add. It only reads: plan starts nothing.
     *
     * @param lastResults  the results of the step's last successful execution
     * @param localPath    the task's local_path
     * @param ignoredFiles the task-sync ignore globs, as {@link StepContext#ignoredFiles()}
     */
    default Optional<String> rerunDetail(S settings, JsonNode lastResults, Path localPath, List<PathMatcher> ignoredFiles) {
        return Optional.empty();
    }

    /**
     * Resources these settings make for later steps of the same task, as keys such as
     * {@link StepResources#image StepResources.image("my-app:1.0")} ({@code image:my-app:1.0}) or
     * {@link StepResources#container StepResources.container("web")}. A step of the task that
     * {@link #consumes} one of them waits for this step as if it named it in {@code depends_on}
     * (an implicit dependency). Keys are compared as strings, within one task.
     */
    default Set<String> produces(S settings) {
        return Set.of();
    }

    /** Resources these settings use, as keys like those of {@link #produces}; see there. */
    default Set<String> consumes(S settings) {
        return Set.of();
    }

    /**
     * What these settings take from an upstream step because they leave it out (see {@link UpstreamNeed}), or empty
     * (the default) when they need nothing upstream.
     */
    default Optional<UpstreamNeed> upstreamNeed(S settings) {
        return Optional.empty();
    }

    /**
     * Executes the step. Return {@link StepOutcome#success} or {@link StepOutcome#failure};
     * an exception thrown here is recorded as a failure with its message.
     */
    StepOutcome execute(StepContext<S> context) throws Exception;
}
