package dev.tasksync.benchmarks;

import dev.tasksync.AttemptOutcome;
import dev.tasksync.RunOptions;
import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskStatus;
import dev.tasksync.TaskSync;
import dev.tasksync.Worker;
import dev.tasksync.WorkerOptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.io.IOException;

/**
 * Issue 6: no-op step throughput with 1, 2 and 4 worker processes on one database, against the
 * plain JDBC claim/complete loop on the same database (6a-6c); issue 16: one worker process against
 * an in-process run of the same task (6d), and how 100 ms steps scale from one process to four (6e).
 */
final class WorkerBench {
    private final Env env;
    private final Report report;

    WorkerBench(Env env, Report report) {
        this.env = env;
        this.report = report;
    }

    /** What N worker processes did on the task: its rate is the figure of rows 6a-6c and 7c-7h. */
    record Measured(int processes, int steps, long completed, double ms) {
        double rate() {
            return completed / (ms / 1000);
        }
    }

    /** No-op steps per worker process run before the clock starts (unless --cold-workers). */
    static final int WARM_UP_STEPS_PER_WORKER = 300;
    /** Slots per worker process, and the in-process run's concurrency in row 6d: the same on both sides. */
    static final int SLOTS = 4;
    /** Row 6e: how long each of its steps sleeps. */
    static final int SLEEP_MS = 100;
    /** How long the server takes at most to flush a session's statistics (pg_stat_database), PostgreSQL 15 and later. */
    private static final int STATS_FLUSH_MS = 1_100;

    private final Map<Integer, Measured> measured = new HashMap<>();

    int steps() {
        return env.config.workerSteps();
    }

    void run() throws Exception {
        if ("6e".equals(System.getenv("TASKSYNC_BENCH_WORKER_ROWS"))) {
            sleepsScale(); // a diagnostic: row 6e alone, to compare it on a busy machine without the others' minutes
            return;
        }
        int steps = steps();
        double baselineMs = new EngineBench(env, report).baselineLoop(steps);
        double baselineRate = steps / (baselineMs / 1000);
        String[] rows = {"6a", "6b", "6c"};
        int[] workers = {1, 2, 4};
        for (int i = 0; i < workers.length; i++) {
            int n = workers[i];
            Measured m = measured(n);
            double rate = m.rate();
            double ratio = rate / baselineRate;
            report.add(new Report.Row(rows[i],
                    "worker throughput, " + Report.num("%,d", steps) + " no-op steps, " + n + " worker process(es) × 4",
                    Report.perSecond(rate, "steps") + " (" + Report.ms(m.ms()) + ")",
                    Report.perSecond(baselineRate, "steps") + " (" + Report.ms(baselineMs) + ")",
                    Report.ratio(ratio), m.completed() == steps ? "" : m.completed() + " of " + steps + " completed",
                    "ratio reported (no goal)", Report.Verdict.INFO, "separate JVMs sharing the embedded PostgreSQL"));
        }
        report.note("Workers (6a-6c): N separate worker JVMs (`TaskSync.worker()`, concurrency 4 each, woken by LISTEN/NOTIFY) "
                + "on the same embedded PostgreSQL; the clock runs from `submit` until the task is completed (polled every 10 ms). "
                + (env.config.coldWorkers() ? "The worker JVMs are fresh (`--cold-workers`): class loading and JIT are on the clock. "
                        : "Before it, the workers run a warm-up task of " + WARM_UP_STEPS_PER_WORKER + " no-op steps per process "
                        + "(class loading and JIT of a fresh JVM; `--cold-workers` leaves it out). ")
                + "Baseline: the same one-thread JDBC claim/update/commit loop as rows 1a-1c over the same number of rows.");
        againstInProcess(steps);
        sleepsScale();
    }

    /** Row 6d: one worker process against an in-process run ({@code TaskSync.run}) of the same task, with as many slots. */
    private void againstInProcess(int steps) throws Exception {
        Measured worker = measured(1);
        double inProcessMs;
        try (TaskSync ts = env.taskSync(SLOTS, new BenchSteps.NoopType())) {
            // warmed up like the worker processes: class loading and JIT of the run's paths off the clock
            Task warm = Setup.create(env, ts, EngineBench.definition("in-process-warmup", EngineBench.Shape.FAN_OUT,
                    WARM_UP_STEPS_PER_WORKER), true);
            ts.run(warm.id(), RunOptions.defaults().withConcurrency(SLOTS));
            Task task = Setup.create(env, ts, EngineBench.definition("in-process", EngineBench.Shape.FAN_OUT, steps), true);
            System.out.println("[workers] in-process run, " + steps + " no-op steps ...");
            autoExplain();
            mark("start in-process");
            long start = System.nanoTime();
            var result = ts.run(task.id(), RunOptions.defaults().withConcurrency(SLOTS));
            inProcessMs = (System.nanoTime() - start) / 1e6;
            mark("end in-process");
            if (!result.succeeded()) {
                throw new IllegalStateException("in-process run did not complete: " + result.taskStatus());
            }
        }
        double inProcessRate = steps / (inProcessMs / 1000);
        double ratio = worker.rate() / inProcessRate;
        report.add(new Report.Row("6d",
                "1 worker process vs an in-process run of the same task, " + Report.num("%,d", steps) + " no-op steps (fan-out), × " + SLOTS,
                Report.perSecond(worker.rate(), "steps") + " (" + Report.ms(worker.ms()) + ")",
                Report.perSecond(inProcessRate, "steps") + " (" + Report.ms(inProcessMs) + ")",
                Report.ratio(ratio), worker.completed() == steps ? "" : worker.completed() + " of " + steps + " completed",
                "≥ 0.8× the in-process run", ratio >= 0.8 ? Report.Verdict.MET : Report.Verdict.MISSED,
                "worker: row 6a's run; in-process: TaskSync.run at concurrency " + SLOTS + " in the bench JVM"));
        report.note("Row 6d compares row 6a's worker process with `TaskSync.run` at the same concurrency (" + SLOTS
                + ") on a task of the same shape and size, saved the same way; both warmed up on " + WARM_UP_STEPS_PER_WORKER
                + " no-op steps first.");
    }

    /** Row 6e: steps that sleep, 4 slots per process: 4 processes against 1 on the same number of independent steps. */
    private void sleepsScale() throws Exception {
        int steps = env.config.quick() ? 64 : 160;
        TaskDefinition.Builder b = TaskDefinition.named("sleeps");
        for (int i = 0; i < steps; i++) {
            b.step("sleep" + i, BenchSteps.sleep(SLEEP_MS, i));
        }
        TaskDefinition definition = b.build();
        Measured one = measure(1, definition);
        Measured four = measure(4, definition);
        double ratio = four.rate() / one.rate();
        String incomplete = (one.completed() == steps ? "" : "1 process: " + one.completed() + " of " + steps + " completed; ")
                + (four.completed() == steps ? "" : "4 processes: " + four.completed() + " of " + steps + " completed");
        report.add(new Report.Row("6e",
                "steps that sleep " + SLEEP_MS + " ms, " + steps + " independent steps, × " + SLOTS + " slots: 4 worker processes vs 1",
                Report.perSecond(four.rate(), "steps") + " (" + Report.ms(four.ms()) + ")",
                Report.perSecond(one.rate(), "steps") + " (" + Report.ms(one.ms()) + ")",
                Report.ratio(ratio), incomplete, "≥ 3.5× one process", ratio >= 3.5 ? Report.Verdict.MET : Report.Verdict.MISSED,
                "ideal: " + Report.num("%.0f", 1000.0 * SLOTS / SLEEP_MS) + " steps/s per process"));
    }

    /** N worker processes on a fan-out of {@link #steps()} no-op steps, measured once per run and shared with the peers' rows. */
    Measured measured(int n) throws Exception {
        Measured m = measured.get(n);
        if (m == null) {
            m = measure(n, steps());
            measured.put(n, m);
        }
        return m;
    }

    private Measured measure(int n, int steps) throws Exception {
        return measure(n, EngineBench.definition("workers-" + n, EngineBench.Shape.FAN_OUT, steps));
    }

    /** N worker processes, warmed up, on a task of {@code definition}: from its submit until it is completed. */
    private Measured measure(int n, TaskDefinition definition) throws Exception {
        int steps = definition.steps().size();
        System.out.println("[workers] " + n + " worker process(es), " + steps + " steps of " + definition.name() + " ...");
        autoExplain();
        try (TaskSync ts = env.taskSync(SLOTS, new BenchSteps.NoopType(), new BenchSteps.SleepType())) {
            Task task = Setup.create(env, ts, definition, true);
            List<Process> processes = new ArrayList<>();
            try {
                CountDownLatch started = new CountDownLatch(n);
                for (int w = 0; w < n; w++) {
                    processes.add(start(ts.schema(), "bench-w" + w, started));
                }
                if (!started.await(180, TimeUnit.SECONDS)) { // 4 fresh JVMs on a loaded 2-core machine may take over a minute
                    throw new IllegalStateException("worker processes did not start");
                }
                if (!env.config.coldWorkers()) {
                    // A worker is a long-running process: let each JVM load and compile the claim and record
                    // paths on a task of its own before the clock starts, as the in-process rows warm up first.
                    Task warm = Setup.create(env, ts, EngineBench.definition("workers-warmup-" + n, EngineBench.Shape.FAN_OUT,
                            WARM_UP_STEPS_PER_WORKER * n), true);
                    ts.submit(warm.id());
                    long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    while (!ts.task(warm.id()).is(TaskStatus.COMPLETED) && System.nanoTime() < warmDeadline) {
                        Thread.sleep(10);
                    }
                }
                double ms;
                double submitMs;
                Thread.sleep(STATS_FLUSH_MS); // the server's statistics of the warm-up flushed: commits() counts from here
                long commitsBefore = env.commits();
                long polls = 0;
                try (AutoCloseable sampling = ActivitySampler.start(env, definition.name() + "×" + n)) {
                    mark("start " + definition.name());
                    long start = System.nanoTime();
                    ts.submit(task.id());
                    submitMs = (System.nanoTime() - start) / 1e6;
                    long deadline = start + Duration.ofSeconds(env.config.engineBudgetSeconds() * 3L).toNanos();
                    while (!ts.task(task.id()).is(TaskStatus.COMPLETED) && System.nanoTime() < deadline) {
                        polls++;
                        Thread.sleep(10);
                    }
                    ms = (System.nanoTime() - start) / 1e6;
                    mark("end " + definition.name());
                }
                long completed = ts.steps(task.id()).stream().filter(s -> s.status() == StepStatus.COMPLETED).count();
                Thread.sleep(STATS_FLUSH_MS);
                long commits = env.commits() - commitsBefore;
                // approximate: pg_stat_database, less this JVM's polls of the task (one per 10 ms) and its own reads
                // the bench JVM's submit (planning the task, making its steps runnable) is on the clock, as a run's is
                System.out.printf("  submit: %.0f ms of the %.0f ms clock%n", submitMs, ms);
                System.out.printf("  transactions per step (all processes, the bench's polling left out): %.2f (%d commits, %d polls)%n",
                        Math.max(0, commits - polls - 3) / (double) Math.max(1, completed), commits, polls);
                if (n > 1) {
                    System.out.println("  steps completed per process: " + perProcess(ts, task.id()));
                }
                return new Measured(n, steps, completed, ms);
            } finally {
                processes.forEach(Process::destroy);
                for (Process p : processes) {
                    p.waitFor();
                }
            }
        }
    }

    /**
     * A diagnostic: with {@code TASKSYNC_BENCH_AUTO_EXPLAIN=MS}, sessions opened from now on (the worker processes') log
     * the plan, with times, of each statement that took at least MS ms to the server's log ({@code <work-dir>/…log}).
     */
    private void autoExplain() throws java.sql.SQLException {
        if (logsStatements()) {
            try (var c = env.connection(); var s = c.createStatement()) {
                s.execute("ALTER SYSTEM SET log_min_duration_statement = 0");
                s.execute("ALTER SYSTEM SET log_line_prefix = '%m [%p] '");
                s.execute("SELECT pg_reload_conf()");
            }
        }
        String ms = System.getenv("TASKSYNC_BENCH_AUTO_EXPLAIN");
        if (ms == null || ms.isBlank()) {
            return;
        }
        try (var c = env.connection(); var s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET session_preload_libraries = 'auto_explain'");
            s.execute("ALTER SYSTEM SET auto_explain.log_min_duration = '" + Integer.parseInt(ms.strip()) + "ms'");
            s.execute("ALTER SYSTEM SET auto_explain.log_analyze = on");
            s.execute("ALTER SYSTEM SET auto_explain.log_buffers = on");
            s.execute("SELECT pg_reload_conf()");
        }
    }

    /**
     * A diagnostic: with {@code TASKSYNC_BENCH_LOG_STATEMENTS=1}, the server logs every statement with its duration
     * ({@code log_min_duration_statement = 0}), and each measured row is marked in the log by a statement of its own,
     * {@code SELECT 'tasksync-bench start|end NAME'}: what every session sent while the row ran, and the server's time for it.
     */
    private static boolean logsStatements() {
        return "1".equals(System.getenv("TASKSYNC_BENCH_LOG_STATEMENTS"));
    }

    private void mark(String what) throws java.sql.SQLException {
        if (logsStatements()) {
            try (var c = env.connection(); var s = c.createStatement()) {
                s.execute("SELECT 'tasksync-bench " + what + "'");
            }
        }
    }

    /** Which process completed how many of the task's steps (after the clock): whether the work was shared out. */
    private static Map<String, Integer> perProcess(TaskSync ts, int taskId) {
        Map<String, Integer> counts = new TreeMap<>();
        for (var step : ts.steps(taskId)) {
            for (StepRun run : ts.history(step.id())) {
                if (run.attemptOutcome() == AttemptOutcome.COMPLETED) {
                    counts.merge(run.workerId(), 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    private Process start(String schema, String id, CountDownLatch started) throws IOException {
        // e.g. -XX:StartFlightRecording=filename=/tmp/w.jfr to profile a worker process
        String extra = System.getenv("TASKSYNC_BENCH_WORKER_JVM_ARGS");
        List<String> jvmArgs = extra == null || extra.isBlank() ? List.of() : List.of(extra.strip().split("\\s+"));
        return ChildJvm.start(Main.class, jvmArgs, env.server.password(), line -> {
            if (line.startsWith("worker started")) {
                started.countDown();
            } else {
                System.out.println("  [" + id + "] " + line); // warnings and errors of the worker process
            }
        }, env.server.jdbcUrl(), schema, id);
    }

    /** A worker process: {@code Main <jdbcUrl> <schema> <workerId>} (password in $TASKSYNC_DB_PASSWORD), until it is stopped. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            TaskSync ts = TaskSync.builder().jdbcUrl(args[0], "postgres", System.getenv("TASKSYNC_DB_PASSWORD")).schema(args[1])
                    .workerId(args[2]).migrate(false).stepType(new BenchSteps.NoopType(), new BenchSteps.SleepType()).concurrency(SLOTS).build();
            Worker worker = ts.worker(WorkerOptions.defaults().withConcurrency(SLOTS).withShutdownGrace(Duration.ofSeconds(1)));
            ChildJvm.runUntilStopped("worker started", () -> {
                worker.close();
                ts.close();
            });
        }
    }
}
