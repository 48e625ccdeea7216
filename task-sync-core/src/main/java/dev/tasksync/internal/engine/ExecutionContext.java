package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.LogLine;
import dev.tasksync.internal.logs.AttemptLog;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepLog;
import dev.tasksync.spi.UpstreamStep;

import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.nio.file.PathMatcher;

/** The StepContext handed to a step type; upstream results are read only when asked for. */
final class ExecutionContext implements StepContext<Object> {
    private final int taskId;
    private final String taskName;
    private final int stepId;
    private final String title;
    private final int attempt;
    private final Path localPath;
    private final Object settings;
    private final JsonNode settingsJson;
    private final Supplier<List<UpstreamStep>> upstreamLoader;
    private final JsonNode lastResults;
    private final StepLog log;
    private final BooleanSupplier cancelled;
    private final Supplier<String> storeId;
    private final List<PathMatcher> ignoredFiles;
    private final int slots;
    private List<UpstreamStep> upstream;

    ExecutionContext(int taskId, String taskName, int stepId, String title, int attempt, Path localPath,
                     Object settings, JsonNode settingsJson, JsonNode lastResults,
                     Supplier<List<UpstreamStep>> upstreamLoader, StepLog log, BooleanSupplier cancelled, Supplier<String> storeId,
                     List<PathMatcher> ignoredFiles, AttemptLog fullLog, LogTail tail, int slots) {
        this.slots = slots;
        this.ignoredFiles = ignoredFiles;
        // every line goes to the attempt's full log (which hands the lines it keeps to the tail from its writer
        // thread), else to the tail here; then to SLF4J and the listener
        this.log = new StepLog() {
            @Override
            public void line(String line) {
                line(LogLine.Stream.STDOUT, line);
            }

            @Override
            public void line(LogLine.Stream stream, String line) {
                if (!fullLog.add(stream, line)) {
                    tail.add(line);
                }
                log.line(line);
            }
        };
        this.storeId = storeId;
        this.lastResults = lastResults;
        this.taskId = taskId;
        this.taskName = taskName;
        this.stepId = stepId;
        this.title = title;
        this.attempt = attempt;
        this.localPath = localPath;
        this.settings = settings;
        this.settingsJson = settingsJson;
        this.upstreamLoader = upstreamLoader;
        this.cancelled = cancelled;
    }

    @Override public int taskId() { return taskId; }
    @Override public String taskName() { return taskName; }
    @Override public int stepId() { return stepId; }
    @Override public String title() { return title; }
    @Override public int attempt() { return attempt; }
    @Override public int slots() { return slots; }
    @Override public List<PathMatcher> ignoredFiles() { return ignoredFiles; }
    @Override public String storeId() { return storeId.get(); } // read from the database once, when a type asks
    @Override public Path localPath() { return localPath; }
    @Override public Object settings() { return settings; }
    @Override public JsonNode settingsJson() { return settingsJson.deepCopy(); }
    @Override public StepLog log() { return log; }
    @Override public JsonNode lastResults() { return lastResults == null ? null : lastResults.deepCopy(); }
    @Override public boolean isCancelled() { return cancelled.getAsBoolean() || Thread.currentThread().isInterrupted(); }

    @Override
    public synchronized List<UpstreamStep> upstream() {
        if (upstream == null) {
            upstream = upstreamLoader.get();
        }
        return upstream;
    }
}
