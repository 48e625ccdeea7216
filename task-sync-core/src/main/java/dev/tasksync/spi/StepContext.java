package dev.tasksync.spi;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Optional;

/** Everything a step sees while it executes. */
public interface StepContext<S> {

    int taskId();

    String taskName();

    int stepId();

    String title();

    /** Which attempt this is, starting at 1. */
    int attempt();

    /**
     * Identifies the store (database server, database and schema) this step belongs to, stably across restarts:
     * what an attempt leaves outside the JVM (containers, host processes) can be labelled with it, so that a
     * later attempt of the same step finds it and steps of other stores sharing the machine are left alone.
     */
    default String storeId() {
        return "";
    }

    /**
     * The globs ({@code TaskSync.builder().ignoreFiles}) of files left out of watched directories when they are
     * hashed; a type that copies watched directories leaves the same files out ({@link LocalFiles#walk}), so that
     * what it copies is what the fingerprint covers.
     */
    default List<PathMatcher> ignoredFiles() {
        return List.of();
    }

    /**
     * How many steps the run or worker executing this one may execute at once (its concurrency): what a type that
     * fans out inside one step (docker_rubrics grading solutions side by side) takes as its share unless told.
     */
    default int slots() {
        return 1;
    }

    /** The task's local_path (the current directory when the task has none). */
    Path localPath();

    /**
     * Resolves a settings path against {@link #localPath()}; absolute paths stay as they are. Lexical only: for a
     * file the step reads, use {@link LocalFiles#resolve}, which refuses paths outside local_path.
     */
    default Path resolve(String path) {
        return localPath().resolve(path).normalize();
    }

    /** The parsed settings. */
    S settings();

    /** The settings value as stored (without {@code depends_on}). */
    JsonNode settingsJson();

    /**
     * The completed steps upstream of this one, nearest first: direct dependencies, then their
     * dependencies, and so on.
     */
    List<UpstreamStep> upstream();

    /** The nearest upstream step of the given type, e.g. the {@code docker_build} a run depends on. */
    default Optional<UpstreamStep> upstream(String type) {
        return upstream().stream().filter(u -> u.type().equals(type)).findFirst();
    }

    /** The step's results as they were before this execution (null before its first), e.g. to carry state forward. */
    JsonNode lastResults();

    /** Where the step writes its log; the tail is kept with the attempt's history. */
    StepLog log();

    /**
     * True once the step was stopped: its task cancelled, its {@code timeout_seconds} passed, or its worker let go
     * of it. The engine then also interrupts the step's thread, so a step that waits (on a process, a socket, a
     * latch) with an interruptible wait wakes at once and need not poll this; it checks it when it wakes.
     */
    boolean isCancelled();
}
