package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepLog;
import dev.tasksync.spi.UpstreamStep;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import dev.tasksync.StepSettings;

/** A hand-made StepContext for executing one step type directly (e.g. to cancel it at a chosen moment). */
record TestContext<S>(int taskId, int stepId, Path localPath, S settings, BooleanSupplier cancelled,
                      List<String> lines) implements StepContext<S> {
    TestContext(int taskId, int stepId, Path localPath, S settings, BooleanSupplier cancelled) {
        this(taskId, stepId, localPath, settings, cancelled, new CopyOnWriteArrayList<>());
    }

    @Override
    public String taskName() {
        return "task " + taskId;
    }

    @Override
    public String title() {
        return "step " + stepId;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public JsonNode settingsJson() {
        return ((StepSettings) settings).toJson();
    }

    @Override
    public List<UpstreamStep> upstream() {
        return List.of();
    }

    @Override
    public JsonNode lastResults() {
        return null;
    }

    @Override
    public StepLog log() {
        return lines::add;
    }

    @Override
    public boolean isCancelled() {
        return cancelled.getAsBoolean();
    }
}
