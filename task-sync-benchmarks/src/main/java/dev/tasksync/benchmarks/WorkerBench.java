package dev.tasksync.benchmarks;

import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.Worker;
import dev.tasksync.WorkerOptions;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.io.IOException;

/**
 * Issue 6: no-op step throughput with 1, 2 and 4 worker processes on one database, against the
 * plain JDBC claim/complete loop on the same database.
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

    private final Map<Integer, Measured> measured = new HashMap<>();

    int steps() {
        return env.config.workerSteps();
    }

    void run() throws Exception {
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
        System.out.println("[workers] " + n + " worker process(es), " + steps + " no-op steps ...");
        try (TaskSync ts = env.taskSync(4, new BenchSteps.NoopType())) {
            Task task = Setup.create(env, ts, EngineBench.definition("workers-" + n, EngineBench.Shape.FAN_OUT, steps), true);
            List<Process> processes = new ArrayList<>();
            try {
                CountDownLatch started = new CountDownLatch(n);
                for (int w = 0; w < n; w++) {
                    processes.add(start(ts.schema(), "bench-w" + w, started));
                }
                if (!started.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("worker processes did not start");
                }
                if (!env.config.coldWorkers()) {
                    // A worker is a long-running process: let each JVM load and compile the claim and record
                    // paths on a task of its own before the clock starts, as the in-process rows warm up first.
                    Task warm = Setup.create(env, ts, EngineBench.definition("workers-warmup-" + n, EngineBench.Shape.FAN_OUT,
                            WARM_UP_STEPS_PER_WORKER * n), true);
                    ts.submit(warm.id());
                    long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    while (!ts.task(warm.id()).status().equals("completed") && System.nanoTime() < warmDeadline) {
                        Thread.sleep(10);
                    }
                }
                long start = System.nanoTime();
                ts.submit(task.id());
                long deadline = start + Duration.ofSeconds(env.config.engineBudgetSeconds() * 3L).toNanos();
                while (!ts.task(task.id()).status().equals("completed") && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                double ms = (System.nanoTime() - start) / 1e6;
                long completed = ts.steps(task.id()).stream().filter(s -> s.status() == StepStatus.COMPLETED).count();
                return new Measured(n, steps, completed, ms);
            } finally {
                processes.forEach(Process::destroy);
                for (Process p : processes) {
                    p.waitFor();
                }
            }
        }
    }

    private Process start(String schema, String id, CountDownLatch started) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
        // e.g. -XX:StartFlightRecording=filename=/tmp/w.jfr to profile a worker process
        String extra = System.getenv("TASKSYNC_BENCH_WORKER_JVM_ARGS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.strip().split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), env.server.jdbcUrl(), schema, id));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TASKSYNC_DB_PASSWORD", env.server.password()); // not on the command line, which every user can read
        Process p = pb.redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("worker started")) {
                        started.countDown();
                    } else {
                        System.out.println("  [" + id + "] " + line); // warnings and errors of the worker process
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    /** A worker process: {@code Main <jdbcUrl> <schema> <workerId>} (password in $TASKSYNC_DB_PASSWORD), until it is stopped. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            TaskSync ts = TaskSync.builder().jdbcUrl(args[0], "postgres", System.getenv("TASKSYNC_DB_PASSWORD")).schema(args[1])
                    .workerId(args[2]).migrate(false).stepType(new BenchSteps.NoopType()).concurrency(4).build();
            Worker worker = ts.worker(WorkerOptions.defaults().withConcurrency(4).withShutdownGrace(Duration.ofSeconds(1)));
            CountDownLatch done = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                worker.close();
                ts.close();
                done.countDown();
            }));
            System.out.println("worker started");
            done.await();
        }
    }
}
