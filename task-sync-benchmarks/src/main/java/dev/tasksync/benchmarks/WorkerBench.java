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
import java.util.Comparator;
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

    /** Slots per worker process, and the in-process run's concurrency in row 6d: the same on both sides. */
    static final int SLOTS = 4;
    /** Row 6e: how long each of its steps sleeps. */
    static final int SLEEP_MS = 100;
    /** How long the server takes at most to flush a session's statistics (pg_stat_database), PostgreSQL 15 and later. */
    private static final int STATS_FLUSH_MS = 1_100;

    private final Map<Integer, Measured> measured = new HashMap<>();
    private final Map<Integer, Measured> sleeps = new HashMap<>();
    private int sleepsTasks;
    /** The rates of each warm-up's rounds, by process count ({@code 0}: 6d's in-process side). */
    private final Map<Integer, List<Double>> warmUps = new TreeMap<>();

    int steps() {
        return env.config.workerSteps();
    }

    void run() throws Exception {
        if ("6e".equals(System.getenv("TASKSYNC_BENCH_WORKER_ROWS"))) {
            sleepsScale(); // a diagnostic: row 6e alone, to compare it on a busy machine without the others' minutes
            return;
        }
        if ("6d".equals(System.getenv("TASKSYNC_BENCH_WORKER_ROWS"))) {
            // a diagnostic: one worker process (row 6a's run) and the in-process run it is compared with, alone
            measureAll(List.of(1), false);
            againstInProcess(steps());
            return;
        }
        int steps = steps();
        // every count the worker rows and the peers' rows need, on one fleet of processes (see measureAll)
        List<Integer> counts = new ArrayList<>(List.of(1, 2, 4));
        if (env.config.runs("peers")) {
            counts.addAll(env.config.peerProcesses());
        }
        measureAll(counts, true);
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
                    "ratio reported (no goal)", Report.Verdict.INFO, "separate JVMs sharing the embedded PostgreSQL" + warmedUp(n)));
        }
        report.note("Workers (6a-6c): N separate worker JVMs (`TaskSync.worker()`, concurrency 4 each, woken by LISTEN/NOTIFY) "
                + "on the same embedded PostgreSQL; the clock runs from `submit` until the task is completed (polled every 10 ms). "
                + (env.config.coldWorkers() ? "The worker JVMs are fresh (`--cold-workers`): class loading and JIT are on the clock. "
                        : "The processes are started once, for the most processes first (4), and stopped one by one for the "
                        + "smaller counts (4, then 2, then 1; row 6e's sleeps run with the 4 and with the 1); before each count's "
                        + "clock they run " + WarmUp.RULE.describe() + ", each round a fan-out task timed as the measured one, "
                        + "N times its size for N processes: each process does as many steps per round as one alone "
                        + "(a long-running worker is warm: class loading and JIT of a fresh JVM are left out; `--cold-workers` "
                        + "puts them back, with fresh processes for each run); each row's warm-up is in its configuration. ")
                + "Baseline: the same one-thread JDBC claim/update/commit loop as rows 1a-1c over the same number of rows.");
        againstInProcess(steps);
        sleepsScale();
    }

    /** Row 6d: one worker process against an in-process run ({@code TaskSync.run}) of the same task, with as many slots. */
    private void againstInProcess(int steps) throws Exception {
        Measured worker = measured(1);
        double inProcessMs;
        try (TaskSync ts = env.taskSync(SLOTS, new BenchSteps.NoopType())) {
            // warmed up by the worker processes' rule, each round the measured run: class loading and JIT off the clock
            warmUps.put(0, WarmUp.run("the in-process run", round -> {
                Task warm = Setup.create(env, ts, EngineBench.definition("in-process-warmup-" + round, EngineBench.Shape.FAN_OUT,
                        steps), true);
                long start = System.nanoTime();
                var r = ts.run(warm.id(), RunOptions.defaults().withConcurrency(SLOTS));
                return r.count(StepStatus.COMPLETED) / ((System.nanoTime() - start) / 1e9);
            }, WarmUp.CompileClock.NOT_COUNTED)); // as the worker process it is compared with
            Task task = Setup.create(env, ts, EngineBench.definition("in-process", EngineBench.Shape.FAN_OUT, steps), true);
            System.out.println("[workers] in-process run, " + steps + " no-op steps ...");
            autoExplain();
            mark("start in-process");
            long cpu = -cpuNanos(List.of(ProcessHandle.current()));
            long serverCpu = -serverCpuNanos();
            long start = System.nanoTime();
            var result = ts.run(task.id(), RunOptions.defaults().withConcurrency(SLOTS));
            inProcessMs = (System.nanoTime() - start) / 1e6;
            cpu += cpuNanos(List.of(ProcessHandle.current()));
            serverCpu += serverCpuNanos();
            mark("end in-process");
            System.out.printf("  CPU per step: this JVM %.0f µs, PostgreSQL %.0f µs (%.0f / %.0f ms in all, a %.0f ms clock)%n",
                    cpu / 1e3 / steps, serverCpu / 1e3 / steps, cpu / 1e6, serverCpu / 1e6, inProcessMs);
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
                "worker: row 6a's run" + warmedUp(1) + "; in-process: TaskSync.run at concurrency " + SLOTS + " in the bench JVM"
                        + warmedUp(0)));
        report.note("Row 6d compares row 6a's worker process with `TaskSync.run` at the same concurrency (" + SLOTS
                + ") on a task of the same shape and size, saved the same way; both warmed up by the same rule first ("
                + WarmUp.RULE.describe() + (warmUps.containsKey(0) ? "; the in-process side's this run: "
                        + WarmUp.format(warmUps.get(0)) : "") + ").");
    }

    /** Row 6e: steps that sleep, 4 slots per process: 4 processes against 1 on the same number of independent steps. */
    private int sleepSteps() {
        return env.config.quick() ? 64 : 160;
    }

    private TaskDefinition sleepsDefinition() {
        int steps = sleepSteps();
        TaskDefinition.Builder b = TaskDefinition.named("sleeps-" + (++sleepsTasks)); // one per run: a task run again is up to date
        for (int i = 0; i < steps; i++) {
            b.step("sleep" + i, BenchSteps.sleep(SLEEP_MS, i));
        }
        return b.build();
    }

    private void sleepsScale() throws Exception {
        int steps = sleepSteps();
        Measured four = sleeps(4);
        Measured one = sleeps(1);
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
        if (!measured.containsKey(n)) {
            measureAll(List.of(n), false);
        }
        return measured.get(n);
    }

    /** Row 6e's run of {@code n} processes on the sleeps (measured with the no-op rows of as many processes). */
    private Measured sleeps(int n) throws Exception {
        if (!this.sleeps.containsKey(n)) {
            measureAll(List.of(n), true);
        }
        return this.sleeps.get(n);
    }

    /**
     * Measures the no-op fan-out (and with {@code withSleeps} row 6e's sleeps where it needs that count) with each
     * of {@code counts} worker processes, from the most to the fewest: the processes are started once, warmed up by
     * {@link WarmUp#RULE}, and stopped one by one as fewer are needed, warming up again (the same rule) with each count
     * before its clock, as a long-running fleet of workers is warm whatever its size. With {@code --cold-workers} each
     * run gets fresh processes and no warm-up.
     */
    void measureAll(List<Integer> counts, boolean withSleeps) throws Exception {
        List<Integer> todo = counts.stream().distinct().filter(n -> !measured.containsKey(n)
                || withSleeps && (n == 1 || n == 4) && !sleeps.containsKey(n)).sorted(Comparator.reverseOrder()).toList();
        if (todo.isEmpty()) {
            return;
        }
        autoExplain();
        try (TaskSync ts = env.taskSync(SLOTS, new BenchSteps.NoopType(), new BenchSteps.SleepType())) {
            List<Process> processes = new ArrayList<>();
            try {
                for (int n : todo) {
                    if (env.config.coldWorkers() || processes.size() < n) {
                        stop(processes, 0);
                        start(ts, n, processes);
                    }
                    stop(processes, n);
                    if (!env.config.coldWorkers()) {
                        warmUps.put(n, WarmUp.run(n + " worker process(es)", round -> {
                            // each round the measured run's task again (its fixed costs, the submit's, are the row's too),
                            // n times as large: each process does as many steps per round as one process alone. With
                            // rounds of the measured size, 4 processes did a quarter each, were still compiling in the
                            // measured run after 6 rounds (JFR: 50-100 C1/C2 compilations per process in its 1 s), and
                            // that, not the engine, made their CPU per step 4 times one warm process's
                            Task warm = Setup.create(env, ts, EngineBench.definition("workers-warmup-" + n + "-" + round,
                                    EngineBench.Shape.FAN_OUT, steps() * n), true);
                            TaskRun r = runTask(ts, warm);
                            return r.completed(ts, warm) / (r.ms() / 1000);
                        }));
                    }
                    if (!measured.containsKey(n)) {
                        measured.put(n, measure(ts, processes, EngineBench.definition("workers-" + n, EngineBench.Shape.FAN_OUT, steps())));
                    }
                    if (withSleeps && (n == 1 || n == 4) && !sleeps.containsKey(n)) {
                        if (env.config.coldWorkers()) {
                            stop(processes, 0);
                            start(ts, n, processes);
                        }
                        sleeps.put(n, measure(ts, processes, sleepsDefinition()));
                    }
                }
            } finally {
                stop(processes, 0);
            }
        }
    }

    private void start(TaskSync ts, int n, List<Process> processes) throws Exception {
        CountDownLatch started = new CountDownLatch(n);
        for (int w = 0; w < n; w++) {
            processes.add(start(ts.schema(), "bench-w" + w, started));
        }
        if (!started.await(180, TimeUnit.SECONDS)) { // 4 fresh JVMs on a loaded 2-core machine may take over a minute
            throw new IllegalStateException("worker processes did not start");
        }
    }

    /** Stops the last processes of {@code processes} until {@code keep} are left (each shuts its worker down first). */
    private static void stop(List<Process> processes, int keep) throws InterruptedException {
        while (processes.size() > keep) {
            Process p = processes.remove(processes.size() - 1);
            p.destroy();
            p.waitFor();
        }
    }

    /** A run of a submitted task: from its submit until it is completed (polled every 10 ms) or the deadline. */
    private record TaskRun(double ms, double submitMs, long polls) {
        long completed(TaskSync ts, Task task) {
            return ts.steps(task.id()).stream().filter(s -> s.status() == StepStatus.COMPLETED).count();
        }
    }

    private TaskRun runTask(TaskSync ts, Task task) throws InterruptedException {
        long polls = 0;
        long start = System.nanoTime();
        ts.submit(task.id());
        double submitMs = (System.nanoTime() - start) / 1e6;
        long deadline = start + Duration.ofSeconds(env.config.engineBudgetSeconds() * 3L).toNanos();
        while (!ts.task(task.id()).is(TaskStatus.COMPLETED) && System.nanoTime() < deadline) {
            polls++;
            Thread.sleep(10);
        }
        return new TaskRun((System.nanoTime() - start) / 1e6, submitMs, polls);
    }

    /** The n running worker processes, warmed up, on a task of {@code definition}: from its submit until it is completed. */
    private Measured measure(TaskSync ts, List<Process> processes, TaskDefinition definition) throws Exception {
        int n = processes.size();
        int steps = definition.steps().size();
        System.out.println("[workers] " + n + " worker process(es), " + steps + " steps of " + definition.name() + " ...");
        Task task = Setup.create(env, ts, definition, true);
        Thread.sleep(STATS_FLUSH_MS); // the server's statistics of the warm-up flushed: commits() counts from here
        long commitsBefore = env.commits();
        TaskRun run;
        long workerCpu = -cpuNanos(processes.stream().map(Process::toHandle).toList());
        long serverCpu = -serverCpuNanos();
        try (AutoCloseable sampling = ActivitySampler.start(env, definition.name() + "×" + n)) {
            mark("start " + definition.name());
            run = runTask(ts, task);
            mark("end " + definition.name());
        }
        workerCpu += cpuNanos(processes.stream().map(Process::toHandle).toList());
        serverCpu += serverCpuNanos();
        long completed = run.completed(ts, task);
        Thread.sleep(STATS_FLUSH_MS);
        long commits = env.commits() - commitsBefore;
        // approximate: pg_stat_database, less this JVM's polls of the task (one per 10 ms) and its own reads
        // the bench JVM's submit (planning the task, making its steps runnable) is on the clock, as a run's is
        System.out.printf("  submit: %.0f ms of the %.0f ms clock%n", run.submitMs(), run.ms());
        // Load-independent: CPU the worker processes and the server's processes used while the clock ran
        System.out.printf("  CPU per step: worker processes %.0f µs, PostgreSQL %.0f µs (%.0f / %.0f ms in all)%n",
                workerCpu / 1e3 / Math.max(1, steps), serverCpu / 1e3 / Math.max(1, steps), workerCpu / 1e6, serverCpu / 1e6);
        System.out.printf("  transactions per step (all processes, the bench's polling left out): %.2f (%d commits, %d polls)%n",
                Math.max(0, commits - run.polls() - 3) / (double) Math.max(1, completed), commits, run.polls());
        if (n > 1) {
            System.out.println("  steps completed per process: " + perProcess(ts, task.id()));
        }
        return new Measured(n, steps, completed, run.ms());
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

    /** What the warm-up of {@code n} processes ({@code 0}: 6d's in-process side) did, for a row's configuration. */
    String warmedUp(int n) {
        List<Double> rates = warmUps.get(n);
        return rates == null ? "" : ", warmed up: " + WarmUp.format(rates);
    }

    /** The CPU time (user and system) these processes used so far, in ns (0 where the platform does not say). */
    static long cpuNanos(List<ProcessHandle> processes) {
        long sum = 0;
        for (ProcessHandle p : processes) {
            sum += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        }
        return sum;
    }

    /** The CPU time of the server's processes (the postmaster's children: backends, WAL writer, ...), in ns. */
    private long serverCpuNanos() throws java.sql.SQLException {
        try (var c = env.connection(); var s = c.createStatement(); var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return ProcessHandle.of(rs.getLong(1)).flatMap(ProcessHandle::parent)
                    .map(pm -> cpuNanos(pm.children().toList())).orElse(0L);
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
