package dev.tasksync.internal.types;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.spi.StepType;

import java.util.List;
import dev.tasksync.spi.UpstreamNeed;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Optional;
import java.util.Set;

/**
 * A settings document checked against its step type.
 *
 * @param document  the whole document as given (what is stored)
 * @param value     the value under the type key, without {@code depends_on}
 * @param settings  what the step type parsed
 * @param dependsOn the ids named by {@code depends_on}, in order
 * @param policy    retries, backoff and timeout read by the core
 */
public record ParsedSettings(String type, StepType<?> stepType, JsonNode document, JsonNode value,
                             Object settings, List<Integer> dependsOn, ExecutionPolicy policy) {

    /** The files the step type watches for these settings. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public List<String> watchedFiles() {
        return ((StepType) stepType).watchedFiles(settings);
    }

    /** True when the step may read paths outside the task's local_path. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public boolean allowsOutside() {
        return ((StepType) stepType).allowsOutside(settings);
    }

    /** Resource keys these settings make for later steps of the task (see StepType#produces). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Set<String> produces() {
        return ((StepType) stepType).produces(settings);
    }

    /** Resource keys these settings use (see StepType#consumes). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Set<String> consumes() {
        return ((StepType) stepType).consumes(settings);
    }

    /** What the settings take from an upstream step (see StepType#upstreamNeed). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Optional<UpstreamNeed> upstreamNeed() {
        return ((StepType) stepType).upstreamNeed(settings);
    }

    /** What a run because the inputs changed would redo, in the step type's words, if it says. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Optional<String> rerunDetail(JsonNode lastResults, Path localPath,
                                                  List<PathMatcher> ignoredFiles) {
        return ((StepType) stepType).rerunDetail(settings, lastResults, localPath, ignoredFiles);
    }

    /** The step type's reason to run again although the inputs did not change, if any. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Optional<String> staleReason(JsonNode lastResults) {
        return ((StepType) stepType).staleReason(settings, lastResults);
    }
}
