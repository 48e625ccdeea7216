package dev.tasksync.benchmarks;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.zaxxer.hikari.HikariDataSource;
import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import org.jobrunr.server.BackgroundJobServer;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Issue 16: task-sync beside db-scheduler and JobRunr on the same embedded PostgreSQL, the same JVM
 * and thread counts and the same no-op work: independent jobs in-process (7a, 7b), the same across
 * 1, 2 and 4 processes (7c-7h), and a chain (7i, 7j). Ratios are task-sync ÷ peer (higher is better).
 */
final class PeersBench {
    /**
     * What one side did: how many jobs completed in how long ({@code ms}, under the rule of {@link #RULE}), and in how
     * long under the rule before it ({@code storingLeftOutMs}: a peer's clock started at its first job, after its jobs
     * were stored; task-sync's run is the same under both).
     */
    record Measured(long completed, double ms, double storingLeftOutMs) {
        Measured(long completed, double ms) {
            this(completed, ms, ms);
        }

        double rate() {
            return completed / (ms / 1000);
        }

        double storingLeftOutRate() {
            return completed / (storingLeftOutMs / 1000);
        }

        /**
         * A peer's run whose jobs were stored from {@code storeStart} to {@code storeEnd}, whose first job started at
         * {@code first} and whose last was seen done at {@code end} (one clock, any unit; {@code perMs} units a ms): from
         * the start of storing to the end, less the idle wait between storing and the first pickup (its poll interval).
         */
        static Measured peer(long completed, long storeStart, long storeEnd, long first, long end, double perMs) {
            double idle = Math.max(0, first - storeEnd);
            return new Measured(completed, (end - storeStart - idle) / perMs, (end - first) / perMs);
        }
    }

    /** peers: the one clock rule of rows 7a-7j, for all three (written next to the rows). */
    static final String RULE = "Each clock includes storing the work as due, and none includes defining it or a peer's idle wait for "
            + "its first poll: task-sync's `TaskSync.run` submits its steps (makes them runnable, with fingerprints and inputs) "
            + "inside its clock, so a peer's clock starts when it begins storing its jobs (db-scheduler `scheduleBatch`, JobRunr "
            + "`enqueue`) and the time between the end of storing and its first job's start is left out. The task's own definition "
            + "(saved before the clock, as a peer's task or handler class is registered) is left out on every side. Until "
            + "this rule, a peer's clock started at its first job (storing left out): that ratio is given as \"storing left out\".";

    /** Reads a peer's answer from the database: is it done? */
    private interface Progress {
        long done() throws SQLException;
    }

    private final Env env;
    private final Report report;
    private final WorkerBench workers;
    private final int threads;

    PeersBench(Env env, Report report, WorkerBench workers) {
        this.env = env;
        this.report = report;
        this.workers = workers;
        this.threads = env.config.concurrency();
    }

    void run() throws Exception {
        int jobs = env.config.peerJobs();
        int chain = env.config.chainSteps();
        try (HikariDataSource dbs = peerPool(DbSchedulerPeer.SCHEMA, true); HikariDataSource jr = peerPool(JobRunrPeer.SCHEMA, true)) {
            JobRunrPeer.configureClient(jr); // creates JobRunr's tables
            JobRunrPeer.destroy();
            System.out.println("[peers] warming up task-sync, db-scheduler and JobRunr ...");
            int warm = Math.min(jobs, env.config.quick() ? 200 : 500);
            taskSync(EngineBench.Shape.FAN_OUT, warm);
            dbSchedulerJobs(dbs, warm);
            jobRunrJobs(jr, warm);

            System.out.println("[peers] " + jobs + " independent no-op jobs in-process, " + threads + " threads ...");
            Measured ts = taskSync(EngineBench.Shape.FAN_OUT, jobs);
            Measured d = dbSchedulerJobs(dbs, jobs);
            Measured j = jobRunrJobs(jr, jobs);
            String what = Report.num("%,d independent no-op steps/jobs, in-process, %d threads", jobs, threads);
            String clock = "; clocks include storing the jobs (db-scheduler `scheduleBatch`, JobRunr `enqueue`) as task-sync's "
                    + "includes its submit, not a peer's wait for its first poll";
            row("7a", what + ", vs db-scheduler", ts, d, "db-scheduler", 1.5, DbSchedulerPeer.configuration(threads) + clock);
            row("7b", what + ", vs JobRunr", ts, j, "JobRunr", 3.0, JobRunrPeer.configuration(threads) + clock);

            int steps = workers.steps();
            List<Integer> counts = env.config.peerProcesses();
            for (int i = 0; i < counts.size(); i++) {
                int n = counts.get(i);
                WorkerBench.Measured w = workers.measured(n);
                Measured t = new Measured(w.completed(), w.ms());
                System.out.println("[peers] " + n + " process(es) of each peer, " + steps + " no-op jobs ...");
                DbSchedulerPeer.createTable(env.pool);
                Measured dn = processes(PeerProcess.DB_SCHEDULER, n, steps, () -> DbSchedulerPeer.scheduleNoops(dbs, steps),
                        () -> steps - DbSchedulerPeer.remaining(dbs));
                JobRunrPeer.deleteJobs(jr);
                Measured jn = processes(PeerProcess.JOBRUNR, n, steps, () -> {
                    JobRunrPeer.configureClient(jr);
                    JobRunrPeer.enqueueNoops(steps);
                    JobRunrPeer.destroy();
                }, () -> JobRunrPeer.succeeded(jr));
                String label = Report.num("%,d no-op steps/jobs, %d process(es) × 4 threads", steps, n);
                row("7" + (char) ('c' + 2 * i), label + ", vs db-scheduler", t, dn, "db-scheduler", 0, DbSchedulerPeer.configuration(4));
                row("7" + (char) ('d' + 2 * i), label + ", vs JobRunr", t, jn, "JobRunr", 0, JobRunrPeer.configuration(4));
            }

            System.out.println("[peers] a chain of " + chain + " no-op steps/jobs ...");
            Measured tc = taskSync(EngineBench.Shape.CHAIN, chain);
            Measured dc = dbSchedulerChain(dbs, chain);
            Measured jc = jobRunrChain(jr, chain);
            String chainLabel = Report.num("chain of %,d no-op steps/jobs, %d threads", chain, threads);
            row("7i", chainLabel + ", vs db-scheduler", tc, dc, "db-scheduler", 0,
                    DbSchedulerPeer.configuration(threads) + "; each handler's completion removes it and schedules the next "
                            + "(`removeAndScheduleNew`, the docs' job chaining)");
            row("7j", chainLabel + ", vs JobRunr", tc, jc, "JobRunr", 0,
                    JobRunrPeer.configuration(threads) + "; each job enqueues the next (`BackgroundJobRequest.enqueue`)");
        }
        report.note("Peers (7a-7j): task-sync against db-scheduler 16.7.1 and JobRunr 8.3.1 on the same embedded PostgreSQL "
                + "(each peer in its own schema, over HikariCP with 16 connections), the same JVM, the same thread count and the "
                + "same no-op work; ratio = task-sync's steps/s ÷ the peer's jobs/s. task-sync's clock is `TaskSync.run` end to end "
                + "(in-process: a fan-out, one root and the rest depending on it, as rows 1b, over the same pool without the statement "
                + "counting of rows 1a-1d; processes: rows 6a-6c, from `submit`). Each in-process clock starts after a System.gc(). "
                + "A peer's clock starts when it begins storing its jobs, leaves out its idle wait between storing and the first "
                + "pickup (its poll interval) and stops when the database shows every job done (db-scheduler: its rows deleted; JobRunr: "
                + "state SUCCEEDED), polled every 5 ms in-process and every 10 ms across processes. Each side is warmed up in this "
                + "JVM first; peer processes are fresh JVMs like task-sync's workers, with 4 threads each. " + RULE);
    }

    private void row(String id, String name, Measured ts, Measured peer, String peerName, double goal, String configuration) {
        double ratio = ts.rate() / peer.rate();
        Report.Verdict verdict = goal <= 0 ? Report.Verdict.INFO : ratio >= goal ? Report.Verdict.MET : Report.Verdict.MISSED;
        report.add(new Report.Row(id, name,
                Report.perSecond(ts.rate(), "steps") + " (" + Report.ms(ts.ms()) + ")",
                Report.perSecond(peer.rate(), "jobs") + " (" + Report.ms(peer.ms()) + ", " + peerName + ")",
                Report.ratio(ratio), "storing left out: " + Report.ratio(ts.storingLeftOutRate() / peer.storingLeftOutRate()),
                goal <= 0 ? "ratio reported (no goal)" : Report.num("≥ %.1f× %s", goal, peerName), verdict, configuration));
    }

    private HikariDataSource peerPool(String schema, boolean create) throws SQLException {
        if (create) {
            try (var c = env.connection(); var s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                s.execute("CREATE SCHEMA " + schema);
            }
        }
        return PeerProcess.pool(env.server.jdbcUrl(), env.server.user(), env.server.password(), schema);
    }

    private Measured taskSync(EngineBench.Shape shape, int steps) {
        // Over a plain pool, as the peers are (the counting proxies of the other rows are not theirs to pay for).
        try (TaskSync ts = env.uncountedTaskSync(threads, new BenchSteps.NoopType())) {
            Task t = Setup.create(env, ts, EngineBench.definition("peers-" + shape + "-" + steps, shape, steps), true);
            System.gc(); // each side starts its clock on a collected heap (set-up garbage is no one's to collect)
            long start = System.nanoTime();
            RunResult result = ts.run(t.id(), RunOptions.defaults().withConcurrency(threads));
            double ms = (System.nanoTime() - start) / 1e6;
            return new Measured(result.count(StepStatus.COMPLETED), ms);
        }
    }

    private Measured dbSchedulerJobs(HikariDataSource dbs, int jobs) throws Exception {
        DbSchedulerPeer.createTable(env.pool);
        System.gc();
        long storeStart = System.nanoTime();
        DbSchedulerPeer.scheduleNoops(dbs, jobs);
        long storeEnd = System.nanoTime();
        PeerProgress.reset();
        Scheduler scheduler = DbSchedulerPeer.scheduler(dbs, threads, DbSchedulerPeer.noopTask());
        scheduler.start();
        try {
            return awaitInProcess(jobs, storeStart, storeEnd, () -> jobs - DbSchedulerPeer.remaining(dbs));
        } finally {
            scheduler.stop();
        }
    }

    private Measured dbSchedulerChain(HikariDataSource dbs, int length) throws Exception {
        DbSchedulerPeer.createTable(env.pool);
        PeerProgress.reset();
        System.gc();
        Scheduler scheduler = DbSchedulerPeer.scheduler(dbs, threads, DbSchedulerPeer.chainTask(length));
        scheduler.start();
        try {
            long storeStart = System.nanoTime();
            DbSchedulerPeer.scheduleChain(dbs, length);
            long storeEnd = System.nanoTime();
            return awaitInProcess(length, storeStart, storeEnd, () -> PeerProgress.done() >= length && DbSchedulerPeer.remaining(dbs) == 0 ? length : 0);
        } finally {
            scheduler.stop();
        }
    }

    private Measured jobRunrJobs(HikariDataSource jr, int jobs) throws Exception {
        JobRunrPeer.deleteJobs(jr);
        BackgroundJobServer server = JobRunrPeer.configure(jr, threads, false);
        try {
            System.gc();
            long storeStart = System.nanoTime();
            JobRunrPeer.enqueueNoops(jobs);
            long storeEnd = System.nanoTime();
            PeerProgress.reset();
            server.start();
            return awaitInProcess(jobs, storeStart, storeEnd, () -> JobRunrPeer.succeeded(jr));
        } finally {
            JobRunrPeer.destroy();
        }
    }

    private Measured jobRunrChain(HikariDataSource jr, int length) throws Exception {
        JobRunrPeer.deleteJobs(jr);
        JobRunrPeer.configure(jr, threads, true);
        try {
            PeerProgress.reset();
            System.gc();
            long storeStart = System.nanoTime();
            JobRunrPeer.enqueueChain(length);
            long storeEnd = System.nanoTime();
            return awaitInProcess(length, storeStart, storeEnd, () -> JobRunrPeer.succeeded(jr));
        } finally {
            JobRunrPeer.destroy();
        }
    }

    /** Waits until the handlers returned {@code jobs} times and the database says so; timed by {@link #RULE}. */
    private Measured awaitInProcess(int jobs, long storeStart, long storeEnd, Progress progress) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(env.config.engineBudgetSeconds() * 3L);
        while (PeerProgress.done() < jobs && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        long done;
        while ((done = progress.done()) < jobs && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        long end = System.nanoTime();
        if (PeerProgress.firstNanos() == 0) {
            throw new IllegalStateException("no peer job started");
        }
        return Measured.peer(done, storeStart, storeEnd, PeerProgress.firstNanos(), end, 1e6);
    }

    /** Drives a test run: starts n peer processes, stores the jobs, waits until the database shows them done. */
    private interface Action {
        void run() throws Exception;
    }

    private Measured processes(String peer, int n, int jobs, Action enqueue, Progress progress) throws Exception {
        List<Process> processes = new ArrayList<>();
        ConcurrentLinkedQueue<Long> firsts = new ConcurrentLinkedQueue<>();
        try {
            CountDownLatch started = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                processes.add(start(peer, started, firsts));
            }
            if (!started.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(peer + " processes did not start");
            }
            long storeStart = PeerProgress.epochMicros();
            enqueue.run();
            long storeEnd = PeerProgress.epochMicros();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(env.config.engineBudgetSeconds() * 3L);
            long done;
            while ((done = progress.done()) < jobs && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            long end = PeerProgress.epochMicros();
            long first = firsts.stream().mapToLong(Long::longValue).min()
                    .orElseThrow(() -> new IllegalStateException("no " + peer + " job started"));
            return Measured.peer(done, storeStart, storeEnd, first, end, 1000.0);
        } finally {
            processes.forEach(Process::destroy);
            for (Process p : processes) {
                p.waitFor();
            }
        }
    }

    private Process start(String peer, CountDownLatch started, ConcurrentLinkedQueue<Long> firsts) throws IOException {
        return ChildJvm.start(PeerProcess.Main.class, List.of(), env.server.password(), line -> {
            if (line.equals("started")) {
                started.countDown();
            } else if (line.startsWith("first ")) {
                firsts.add(Long.parseLong(line.substring(6).strip()));
            }
        }, peer, env.server.jdbcUrl(), "4");
    }
}
