package dev.tasksync.cli;

import dev.tasksync.JsonShapes;
import dev.tasksync.TaskStatus;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.Plan;
import dev.tasksync.RunOptions;
import dev.tasksync.Step;
import dev.tasksync.RunResult;
import dev.tasksync.StepResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.TaskWatch;
import dev.tasksync.WatchListener;
import dev.tasksync.WatchOptions;
import dev.tasksync.DatabaseException;
import dev.tasksync.TaskSyncException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.io.PrintWriter;
import java.io.Writer;

@Command(name = "run", description = {
        "Run a task's steps in dependency order; steps whose inputs did not change since they completed are not run again.",
        "Exit code 0 when every step completed, 1 when any failed (or was skipped below a failure, or a task of --all "
                + "could not run), 2 on bad input, 3 when steps were cancelled (task-sync cancel) and none failed, "
                + "130 when interrupted (Ctrl-C)."},
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  task-sync run --task-id 1",
                "  task-sync run --task build --force",
                "  task-sync run --all --concurrency 4",
                "  task-sync run --task-id 1 --watch",
                "  task-sync run --task-id 1 --json | jq '.steps[] | {title, status}'",
                "",
                "With a single task in the database, 'task-sync run' runs it.",
                "Progress is drawn live on a terminal and printed as plain lines otherwise (TASKSYNC_PROGRESS=tty|plain overrides)."})
final class RunCommand extends BaseCommand {
    static final class Which {
        @Option(names = "--task-id", paramLabel = "ID", required = true, description = "Run this task.")
        Integer taskId;

        @Option(names = "--task", paramLabel = "ID|NAME", required = true, description = "Run this task (by id or name).")
        String task;

        @Option(names = "--all", required = true, description = "Run every task, one after another; a task that cannot run "
                + "is named with why, and the others still run.")
        boolean all;

    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Which which;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N",
            description = "Steps run at once at most (default: the number of processors).")
    Integer concurrency;

    @Option(names = {"-f", "--force"}, description = "Run every step, even those that are up to date.")
    boolean force;

    @Option(names = "--no-logs", description = "Do not print the steps' output lines.")
    boolean noLogs;

    @Option(names = "--watch", description = "After the run, watch the files and directories the task's steps watch; "
            + "when they change, say what will run again and why, and run it (until Ctrl-C).")
    boolean watch;

    @Option(names = "--debounce", paramLabel = "MILLIS", defaultValue = "300",
            description = "With --watch: how long changes must settle before the task runs again (default: ${DEFAULT-VALUE}).")
    long debounce;

    @Mixin
    JsonOption json;

    @Mixin
    DockerPolicyOption dockerPolicy;

    @Override
    public Integer call() {
        Runnable undo = dockerPolicy.apply();
        try {
            return runTasks();
        } finally {
            undo.run();
        }
    }

    private Integer runTasks() {
        int n = concurrency != null ? concurrency : RunOptions.DEFAULT_CONCURRENCY;
        if (n < 1) {
            throw new Cli.UsageException("--concurrency must be at least 1, was " + n);
        }
        if (n > Cli.MAX_CONCURRENCY) {
            // each slot may hold a database connection: a larger number is a slip, not a plan
            throw new Cli.UsageException("--concurrency must be at most " + Cli.MAX_CONCURRENCY + ", was " + n);
        }
        if (watch && (json.json || (which != null && which.all))) {
            throw new Cli.UsageException("--watch watches one task and prints what it runs: not with " + (json.json ? "--json" : "--all"));
        }
        if (debounce < 0) {
            throw new Cli.UsageException("--debounce must not be negative, was " + debounce);
        }
        TaskSync ts = root().open(n + 3); // n steps, claims and heartbeats, and the session that shows this run alive
        List<Task> tasks = new ArrayList<>();
        if (which == null) {
            List<Task> all = ts.tasks();
            if (all.size() != 1) {
                throw new Cli.UsageException(all.isEmpty()
                        ? "there are no tasks to run; create one with: task-sync task create --name NAME"
                        : "name the task to run with --task-id ID (or --task NAME, or --all); there are " + all.size() + " tasks");
            }
            tasks.add(all.get(0));
        } else if (which.all) {
            tasks.addAll(ts.tasks());
            if (tasks.isEmpty()) {
                if (json.json) {
                    Json.print(out(), Json.MAPPER.createArrayNode());
                } else {
                    out().println("No tasks to run.");
                }
                return Cli.OK;
            }
        } else if (which.taskId != null) {
            tasks.add(ts.task(which.taskId));
        } else {
            tasks.add(task(which.task));
        }
        boolean live = !json.json && liveProgress();
        List<RunResult> results = new ArrayList<>();
        // Ctrl-C / SIGTERM: interrupt the run, which cancels its running steps (instead of leaving them
        // active until their lease expires), and give it a moment to record that before the JVM exits.
        Thread runner = Thread.currentThread();
        CountDownLatch finished = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            interrupted.set(true);
            runner.interrupt();
            try {
                finished.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "task-sync-run-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        Map<Task, String> notRun = new LinkedHashMap<>();
        try (Progress progress = new Progress(json.json ? new PrintWriter(Writer.nullWriter()) : out(), live, !noLogs,
                id -> retryNote(ts, id))) {
            progress.colors(colors());
            for (Task t : tasks) {
                if (interrupted.get()) {
                    break;
                }
                try {
                    if (!json.json) {
                        progress.expect(ts.plan(t.id(), force).toRun().size());
                    }
                    results.add(ts.run(t.id(), new RunOptions(n, force, progress)));
                } catch (TaskSyncException e) {
                    if (which == null || !which.all || interrupted.get() || e instanceof DatabaseException) {
                        throw e;
                    }
                    // --all: one task whose stored steps cannot run (a dependency cycle, ...) does not stop the others
                    notRun.put(t, e.getMessage());
                    if (!json.json) {
                        err().println("Task " + t.id() + " '" + t.name() + "' cannot run: " + e.getMessage());
                        err().flush();
                    }
                }
            }
            if (watch && !interrupted.get()) {
                summary(results.get(0));
                watchTask(ts, tasks.get(0), n, progress); // until Ctrl-C
                results.clear();
            }
        } catch (RuntimeException e) {
            if (!interrupted.get()) {
                throw e;
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running; it waits for the latch below
            }
            if (Thread.interrupted()) { // interrupted without the hook: an embedding caller's Ctrl-C
                interrupted.set(true);
            }
            if (interrupted.get()) {
                err().println("Interrupted: running steps were cancelled.");
                err().flush();
            }
            finished.countDown();
        }
        if (interrupted.get()) {
            // Only seen in-process: a signal's shutdown already set the JVM's exit status to 128 + the
            // signal (130 SIGINT, 143 SIGTERM), which is what the README documents and SignalIT checks.
            return 130;
        }
        if (json.json) {
            if (which != null && which.all) {
                ArrayNode a = Json.MAPPER.createArrayNode();
                results.forEach(r -> a.add(JsonShapes.run(r)));
                notRun.forEach((t, why) -> a.addObject().put("task_id", t.id()).put("task_name", t.name())
                        .put("succeeded", false).put("not_run", why));
                Json.print(out(), a);
            } else {
                Json.print(out(), JsonShapes.run(results.get(0)));
            }
        } else {
            for (RunResult r : results) {
                summary(r);
            }
            if (!notRun.isEmpty()) {
                out().println();
                out().println(notRun.size() + " task" + (notRun.size() == 1 ? "" : "s") + " could not run:");
                notRun.forEach((t, why) -> out().println("  " + t.id() + " '" + t.name() + "': " + why));
            }
        }
        if (!notRun.isEmpty() || results.stream().anyMatch(r -> r.count(StepStatus.FAILED) + r.count(StepStatus.SKIPPED) > 0)) {
            return Cli.FAILED;
        }
        return results.stream().anyMatch(r -> r.count(StepStatus.CANCELLED) > 0) ? Cli.CANCELLED
                : results.stream().allMatch(RunResult::succeeded) ? Cli.OK : Cli.FAILED;
    }

    /**
     * --watch: runs the task again whenever what its steps watch changes, printing what changed, what will run and
     * why, and each run's summary; returns when interrupted (Ctrl-C), the watch closed and a run going on cancelled.
     */
    private void watchTask(TaskSync ts, Task task, int n, Progress progress) {
        WatchListener printer = new WatchListener() {
            @Override
            public void willRun(Plan plan, List<String> changed) {
                out().println();
                out().println("Changed: " + String.join(", ", changed));
                for (Plan.PlannedStep p : plan.toRun()) {
                    out().println("  will run " + p.stepId() + " '" + p.title() + "': " + p.reason());
                }
                out().flush();
                progress.expect(plan.toRun().size());
            }

            @Override
            public void upToDate(List<String> changed) {
                out().println("Changed: " + String.join(", ", changed) + " (every step is up to date)");
                out().flush();
            }

            @Override
            public void ran(RunResult result) {
                summary(result);
                out().println("Watching for changes; Ctrl-C to stop.");
                out().flush();
            }

            @Override
            public void runFailed(RuntimeException error) {
                err().println("The run failed: " + error.getMessage());
                err().flush();
            }
        };
        WatchOptions options = WatchOptions.defaults().withDebounce(Duration.ofMillis(debounce)).withInitialRun(false)
                .withRunOptions(new RunOptions(n, force, progress)).withListener(printer);
        try (TaskWatch w = ts.watch(task.id(), options)) {
            out().println();
            out().println("Watching " + w.paths().size() + " path" + (w.paths().size() == 1 ? "" : "s") + " of task " + task.id()
                    + " '" + task.name() + "' for changes; Ctrl-C to stop.");
            out().flush();
            new CountDownLatch(1).await(); // until interrupted: the watch's own threads do the work
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // seen below, as for a run: exit 130
        }
    }

    /** "retrying in 2 s (attempt 1 of 3)" for a step that failed and will be tried again. */
    static String retryNote(TaskSync ts, int stepId) {
        try {
            Step step = ts.step(stepId);
            long millis = step.retryBackoff().toMillis();
            String wait = millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0);
            return "retrying in " + wait + " s (attempt " + step.attempt() + " of " + step.maxAttempts() + ")";
        } catch (RuntimeException e) {
            return "retrying";
        }
    }

    private boolean liveProgress() {
        String mode = root().env("TASKSYNC_PROGRESS");
        if (mode != null) {
            return mode.equalsIgnoreCase("tty") || mode.equalsIgnoreCase("live");
        }
        String term = root().env("TERM");
        return root().terminal && !"dumb".equals(term);
    }

    private void summary(RunResult r) {
        out().println();
        Table table = new Table("ID", "TITLE", "STATUS", "RAN", "DURATION");
        for (StepResult s : r.steps()) {
            table.row(s.stepId(), s.title(), colors().status(s.status()),
                    s.executed() ? "yes" : s.executedElsewhere() ? "by worker " + s.executedBy() : "no",
                    s.executed() || s.executedElsewhere() ? Json.seconds(s.duration()) : "-");
        }
        table.print(out());
        long executed = r.steps().stream().filter(StepResult::executed).count();
        long elsewhere = r.steps().stream().filter(StepResult::executedElsewhere).count();
        // Completed and executed by no one during the run: it was up to date.
        long upToDate = r.steps().stream().filter(s -> s.executedBy() == null && s.status() == StepStatus.COMPLETED).count();
        out().println();
        long cancelled = r.count(StepStatus.CANCELLED);
        TaskStatus outcome = r.succeeded() ? TaskStatus.COMPLETED
                : cancelled > 0 && r.count(StepStatus.FAILED) == 0 ? TaskStatus.CANCELLED : TaskStatus.FAILED;
        String counts = Stream.of(StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.CANCELLED)
                .filter(s -> s != StepStatus.CANCELLED || cancelled > 0)
                .map(s -> r.count(s) + " " + s).collect(Collectors.joining(", "));
        out().println("Task " + r.taskId() + " '" + r.taskName() + "' " + colors().outcome(outcome) + ": "
                + counts + "; " + executed + " executed here, "
                + (elsewhere > 0 ? elsewhere + " by other workers, " : "") + upToDate + " up to date, "
                + (r.steps().size() - executed - elsewhere - upToDate) + " not run; " + Json.seconds(r.elapsed()) + ".");
        out().flush();
    }
}
