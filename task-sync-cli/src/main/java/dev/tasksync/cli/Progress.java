package dev.tasksync.cli;

import dev.tasksync.RunListener;
import dev.tasksync.StepResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;

import java.io.PrintWriter;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Shows a run as it happens. On a terminal: a status line redrawn in place
 * ({@code [done/total] elapsed  running: titles}) with finished steps and log lines printed above it.
 * Otherwise: one plain line per event.
 */
final class Progress implements RunListener, AutoCloseable {
    private final PrintWriter out;
    private final boolean live;
    private final boolean showLogs;
    private final Map<Integer, String> running = new LinkedHashMap<>();
    /** Steps this run waits for because another worker holds them. */
    private final Map<Integer, String> waiting = new LinkedHashMap<>();
    private long startNanos = System.nanoTime();
    private int total;
    private int expected = -1;
    private int done;
    private ScheduledExecutorService ticker;
    private boolean statusShown;
    private final IntFunction<String> retryNote;
    private Colors colors = Colors.OFF;

    Progress(PrintWriter out, boolean live, boolean showLogs) {
        this(out, live, showLogs, id -> "retrying");
    }

    /** @param retryNote for a step that failed and will be tried again, e.g. "retrying in 1 s (attempt 1 of 2)" */
    Progress(PrintWriter out, boolean live, boolean showLogs, IntFunction<String> retryNote) {
        this.out = out;
        this.live = live;
        this.showLogs = showLogs;
        this.retryNote = retryNote;
    }

    /** Colours the status word of each finished step. */
    synchronized Progress colors(Colors colors) {
        this.colors = colors;
        return this;
    }

    /** How many steps the next run is expected to execute (from its plan); -1 when unknown. */
    synchronized void expect(int steps) {
        this.expected = steps;
    }

    @Override
    public synchronized void runStarted(Task task, int total) {
        this.total = expected >= 0 ? expected : total;
        this.done = 0;
        this.startNanos = System.nanoTime();
        waiting.clear();
        line("Running task " + task.id() + " '" + task.name() + "': " + this.total + " of " + total + " step"
                + (total == 1 ? "" : "s") + " to run");
        expected = -1;
        if (live && ticker == null) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "task-sync-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::redraw, 100, 100, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public synchronized void stepStarted(int stepId, String title) {
        waiting.remove(stepId);
        running.put(stepId, title);
        if (live) {
            redraw();
        } else {
            line("[" + done + "/" + total + "] started   " + stepId + " '" + title + "'");
        }
    }

    @Override
    public synchronized void stepFinished(StepResult result) {
        running.remove(result.stepId());
        String error = result.results() != null && result.results().hasNonNull("error")
                ? ": " + result.results().get("error").asText() : "";
        String where = where(result);
        if (result.status() == StepStatus.NEW || result.status() == StepStatus.ACTIVE) {
            // failed, and waits for another attempt: not done yet
            line("[" + done + "/" + total + "] " + colors.status(StepStatus.FAILED, 9) + " " + result.stepId() + " '" + result.title()
                    + "' in " + Json.seconds(result.duration()) + where + ", " + retryNote.apply(result.stepId()) + error);
            return;
        }
        done++;
        total = Math.max(total, done);
        line("[" + done + "/" + total + "] " + colors.status(result.status(), 9) + " " + result.stepId() + " '" + result.title() + "' in "
                + Json.seconds(result.duration()) + where + error);
    }

    /** " by worker W" for a step another worker executed while this run waited for it. */
    static String where(StepResult result) {
        return result.executedElsewhere() ? " by worker " + result.executedBy() : "";
    }

    @Override
    public synchronized void stepUpToDate(int stepId, String title, String reason) {
        line("[" + done + "/" + total + "] up to date " + stepId + " '" + title + "'");
    }

    /** Always with seconds (LocalTime's toString drops them when they are 0). */
    private static final DateTimeFormatter LEASE_TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    @Override
    public synchronized void waitingForLease(int stepId, String title, String owner, OffsetDateTime until) {
        waiting.put(stepId, title);
        String when = until == null ? "" : ", lease until "
                + LEASE_TIME.format(until.atZoneSameInstant(ZoneId.systemDefault()));
        line("[" + done + "/" + total + "] waiting   " + stepId + " '" + title + "': held by worker " + owner + when
                + " (taken over if that worker stops)");
    }

    @Override
    public synchronized void stepLog(int stepId, String line) {
        if (showLogs) {
            line("    " + stepId + " | " + line);
        }
    }

    /** Prints a permanent line (above the status line on a terminal). */
    private void line(String text) {
        if (live) {
            out.print("\r\033[K");
            out.println(text);
            statusShown = false;
            redraw();
        } else {
            out.println(text);
            out.flush();
        }
    }

    private synchronized void redraw() {
        if (!live) {
            return;
        }
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        String status = String.format("[%d/%d] %.1fs %s%s", done, total, elapsed,
                running.isEmpty() ? "" : " running: " + String.join(", ", running.values()),
                waiting.isEmpty() ? "" : " waiting for: " + String.join(", ", waiting.values()));
        int width = 120;
        if (status.length() > width) {
            status = status.substring(0, width - 3) + "...";
        }
        out.print("\r\033[K" + status);
        out.flush();
        statusShown = true;
    }

    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
        if (live && statusShown) {
            out.print("\r\033[K");
            out.flush();
        }
    }
}
