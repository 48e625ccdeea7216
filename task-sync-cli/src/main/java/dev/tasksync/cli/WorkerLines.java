package dev.tasksync.cli;

import dev.tasksync.RunListener;
import dev.tasksync.StepResult;
import dev.tasksync.StepStatus;

import java.io.PrintWriter;
import java.util.function.IntFunction;

/**
 * What {@code task-sync worker} prints per step: a line when it starts one and a line when it ends, as
 * {@code run} prints them (without a counter: a worker has no total). Called from the worker's threads.
 */
final class WorkerLines implements RunListener {
    private final PrintWriter out;
    private final IntFunction<String> retryNote;

    /** @param retryNote for a step that failed and will be tried again, e.g. "retrying in 1 s (attempt 1 of 2)" */
    WorkerLines(PrintWriter out, IntFunction<String> retryNote) {
        this.out = out;
        this.retryNote = retryNote;
    }

    @Override
    public synchronized void stepStarted(int stepId, String title) {
        print(String.format("%-9s", "started") + " " + stepId + " '" + title + "'");
    }

    @Override
    public synchronized void stepFinished(StepResult result) {
        String error = result.results() != null && result.results().hasNonNull("error")
                ? ": " + result.results().get("error").asText() : "";
        boolean again = result.status() == StepStatus.NEW || result.status() == StepStatus.ACTIVE;
        print(String.format("%-9s", again ? StepStatus.FAILED.dbValue() : result.status().dbValue()) + " " + result.stepId() + " '" + result.title()
                + "' in " + Json.seconds(result.duration()) + (again ? ", " + retryNote.apply(result.stepId()) : "") + error);
    }

    private void print(String line) {
        out.println(line);
        out.flush();
    }
}
