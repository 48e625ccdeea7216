package dev.tasksync.cli;

import dev.tasksync.JsonShapes;
import dev.tasksync.Plan;
import dev.tasksync.RegisteredWorker;
import dev.tasksync.RunListener;
import dev.tasksync.RunOptions;
import dev.tasksync.StepRun;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.Worker;
import dev.tasksync.WorkerOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.ArrayList;

/** Commands for running steps in worker processes that share the database: worker, submit, cancel, history. */
final class WorkerCommands {
    private WorkerCommands() {
    }

    @Command(name = "worker", description = {
            "Run a worker: claim runnable steps of any task and execute them until stopped (Ctrl-C or SIGTERM).",
            "Any number of workers on any number of machines may share one database; 'submit' gives them work."},
            mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n",
            footer = {"  task-sync worker --concurrency 4",
                    "  task-sync worker --quiet",
                    "  task-sync worker --label gpu --label region=eu",
                    "  task-sync worker list",
                    "  task-sync --db postgres://tasks:secret@db:5432/tasks worker &",
                    "  task-sync submit --task-id 1",
                    "",
                    "On stop the worker claims nothing more, lets running steps finish (up to --grace) and gives the rest back."})
    static final class WorkerCommand extends BaseCommand {
        @Option(names = {"-c", "--concurrency"}, paramLabel = "N", description = "Steps executed at once (default: the number of processors).")
        Integer concurrency;

        @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "30",
                description = "How long stopping waits for running steps (default: ${DEFAULT-VALUE}).")
        long grace;

        @Option(names = {"-q", "--quiet"}, description = "Do not print a line per step started and ended.")
        boolean quiet;

        @Option(names = "--metrics-port", paramLabel = "PORT",
                description = "Serve metrics in Prometheus' text format at http://BIND:PORT/metrics (0: any free port, printed).")
        Integer metricsPort;

        @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
                description = "The address --metrics-port listens on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
        String metricsBind;

        @Option(names = {"-l", "--label"}, paramLabel = "LABEL",
                description = "A label this worker offers (name or name=value; repeat for several): it claims a step only "
                        + "when it has every label of the step's runs_on.")
        List<String> labels = new ArrayList<>();

        @Option(names = "--rebuild-after", paramLabel = "SECONDS", defaultValue = "120",
                description = "How long a step waits for a worker on the Docker engine that holds the image or container an "
                        + "upstream step made, when no live worker is on it; then the upstream step runs again wherever a "
                        + "worker claims it (default: ${DEFAULT-VALUE}).")
        long rebuildAfter;

        @Mixin
        DockerPolicyOption dockerPolicy;

        @Override
        public Integer call() throws InterruptedException {
            Runnable undo = dockerPolicy.apply();
            try {
                return work();
            } finally {
                undo.run();
            }
        }

        private Integer work() throws InterruptedException {
            int n = concurrency != null ? concurrency : RunOptions.DEFAULT_CONCURRENCY;
            if (n < 1) {
                throw new Cli.UsageException("--concurrency must be at least 1, was " + n);
            }
            if (n > Cli.MAX_CONCURRENCY) {
                // each slot may hold a database connection: a larger number is a slip, not a plan
                throw new Cli.UsageException("--concurrency must be at most " + Cli.MAX_CONCURRENCY + ", was " + n);
            }
            if (grace < 0) {
                throw new Cli.UsageException("--grace must not be negative, was " + grace);
            }
            if (rebuildAfter < 0) {
                throw new Cli.UsageException("--rebuild-after must not be negative, was " + rebuildAfter);
            }
            WorkerOptions options;
            try {
                options = WorkerOptions.defaults().withConcurrency(n).withShutdownGrace(Duration.ofSeconds(grace)).withLabels(labels)
                        .withRebuildAfter(Duration.ofSeconds(rebuildAfter));
            } catch (IllegalArgumentException e) {
                throw new Cli.UsageException("--label: " + e.getMessage());
            }
            if (metricsPort != null && (metricsPort < 0 || metricsPort > 65_535)) {
                throw new Cli.UsageException("--metrics-port must be between 0 and 65535, was " + metricsPort);
            }
            MetricsServer metrics = null;
            if (metricsPort != null) {
                try {
                    metrics = MetricsServer.start(metricsBind, metricsPort);
                } catch (IOException | RuntimeException e) {
                    throw new Cli.UsageException("--metrics-port " + metricsPort + " on --metrics-bind " + metricsBind
                            + ": cannot listen there (" + e.getMessage() + ")");
                }
                root().meterRegistry(metrics.registry());
            }
            try {
                return work(n, metrics, options);
            } finally {
                if (metrics != null) {
                    metrics.close();
                }
            }
        }

        private Integer work(int n, MetricsServer metrics, WorkerOptions options) throws InterruptedException {
            TaskSync ts = root().open(n + 4);
            Worker worker = ts.worker(options,
                    quiet ? RunListener.NONE : new WorkerLines(out(), id -> RunCommand.retryNote(ts, id)));
            Runnable stop = () -> {
                worker.close();
                out().println("Worker " + worker.id() + " stopped after claiming " + worker.claimed() + " step"
                        + (worker.claimed() == 1 ? "" : "s") + ".");
                out().flush();
            };
            Thread hook = new Thread(stop, "task-sync-worker-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out().println("Worker " + worker.id() + " running with concurrency " + n
                    + (labels.isEmpty() ? "" : " and labels " + String.join(", ", options.labels())) + "; stop with Ctrl-C.");
            if (metrics != null) {
                out().println("Metrics at " + metrics.url());
            }
            out().flush();
            try {
                worker.awaitTermination(Duration.ofDays(365_000));
            } catch (InterruptedException e) {
                // stopped from within this JVM (an embedding program or a test): stop like on SIGTERM
                Thread.currentThread().interrupt();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                return Cli.OK; // the hook stops the worker and reports
            }
            stop.run();
            return Cli.OK;
        }
    }

    @Command(name = "list", description = "List the workers registered in the database: id, host, labels, Docker engine, "
            + "started, last heartbeat, and whether each is live.",
            mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync worker list", "  task-sync worker list --json"})
    static final class ListWorkers extends BaseCommand {
        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            List<RegisteredWorker> workers = ts().workers();
            if (json.json) {
                Json.print(out(), workers, JsonShapes::worker);
                return Cli.OK;
            }
            if (workers.isEmpty()) {
                out().println("No workers registered. Start one with: task-sync worker");
                return Cli.OK;
            }
            Table table = new Table("ID", "HOST", "LABELS", "DOCKER ENGINE", "STARTED", "LAST HEARTBEAT", "STATE");
            workers.forEach(w -> table.row(w.id(), w.host(), w.labels().isEmpty() ? "-" : String.join(",", w.labels()),
                    w.dockerEngine() == null ? "-" : w.dockerEngine(), Json.time(w.startedAt()), Json.time(w.lastHeartbeat()),
                    w.live() ? "live" : w.stoppedAt() != null ? "stopped" : "gone"));
            table.print(out());
            return Cli.OK;
        }
    }

    @Command(name = "submit", description = "Queue a task's steps that need to run for the workers, without running anything here.",
            mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync submit --task-id 1", "  task-sync submit --task build --force --json"})
    static final class Submit extends PlanningCommand {
        @Option(names = {"-f", "--force"}, description = "Queue every step, even those that are up to date.")
        boolean force;

        @Override
        Plan plan(int taskId) {
            return ts().submit(taskId, force);
        }

        @Override
        void print(Task t, Plan plan) {
            out().println("Submitted task " + plan.taskId() + " '" + plan.taskName() + "': " + plan.toRun().size()
                    + " of " + plan.steps().size() + " steps queued for the workers.");
            Table table = new Table("ID", "TITLE", "QUEUED", "REASON");
            plan.steps().forEach(s -> table.row(s.stepId(), s.title(), s.willRun() ? "yes" : "no", s.reason()));
            if (!table.isEmpty()) {
                table.print(out());
            }
        }
    }

    @Command(name = "cancel", description = "Cancel a task or a step: waiting steps become 'cancelled', running ones are interrupted.",
            mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync cancel --task-id 1", "  task-sync cancel --step-id 7"})
    static final class Cancel extends BaseCommand {
        static final class Which {
            @Option(names = "--task-id", paramLabel = "ID", required = true, description = "Cancel this task's steps.")
            Integer taskId;

            @Option(names = "--task", paramLabel = "ID|NAME", required = true, description = "Cancel this task's steps (by id or name).")
            String task;

            @Option(names = "--step-id", paramLabel = "ID", required = true, description = "Cancel this step and the steps waiting for it.")
            Integer stepId;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Which which;

        @Override
        public Integer call() {
            int count;
            if (which.stepId != null) {
                ts().step(which.stepId);
                count = ts().cancelStep(which.stepId);
                out().println("Cancelled " + count + " step" + (count == 1 ? "" : "s") + " (step " + which.stepId + " and what waits for it).");
            } else {
                Task t = which.taskId != null ? ts().task(which.taskId) : task(which.task);
                count = ts().cancelTask(t.id());
                out().println("Cancelled " + count + " step" + (count == 1 ? "" : "s") + " of task " + t.id() + " '" + t.name() + "'.");
            }
            return Cli.OK;
        }
    }

    @Command(name = "history", description = "Every attempt to execute a step: worker, times, outcome, error.",
            mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync step history 3", "  task-sync step history 3 --json --logs"})
    static final class History extends BaseCommand {
        @Parameters(paramLabel = "ID", description = "The step's id.")
        int id;

        @Option(names = "--logs", description = "Also print each attempt's log (its full log when kept, else its tail).")
        boolean logs;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            ts().step(id);
            List<StepRun> runs = ts().history(id);
            if (json.json) {
                Json.print(out(), runs, JsonShapes::attempt);
                return Cli.OK;
            }
            if (runs.isEmpty()) {
                out().println("Step " + id + " has not run yet.");
                return Cli.OK;
            }
            Table table = new Table("ATTEMPT", "WORKER", "STARTED", "DURATION", "OUTCOME", "ERROR");
            for (StepRun r : runs) {
                String duration = r.startedAt() == null || r.finishedAt() == null ? "-"
                        : Json.seconds(Duration.between(r.startedAt(), r.finishedAt()));
                table.row(r.attempt(), r.workerId(), Json.time(r.startedAt()), duration, orDash(r.outcome()), orDash(r.error()));
            }
            table.print(out());
            if (logs) {
                for (StepRun r : runs) {
                    if (ts().logBytes(id, r.attempt()) > 0) { // the full log when it is kept, else the tail
                        out().println();
                        out().println("attempt " + r.attempt() + ":");
                        try (var lines = ts().logs(id, r.attempt())) {
                            lines.forEach(l -> out().println("  " + l.text()));
                        }
                    } else if (r.logTail() != null && !r.logTail().isBlank()) {
                        out().println();
                        out().println("attempt " + r.attempt() + ":");
                        r.logTail().lines().forEach(l -> out().println("  " + l));
                    }
                }
            }
            return Cli.OK;
        }
    }
}
