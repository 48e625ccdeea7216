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
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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

    /** The in-process sides (rows 7a, 7b) in the order they run. */
    static final String ORDER_SHORT = "task-sync, then db-scheduler, then JobRunr";

    /**
     * peers: how rows 7a/7b's sides are ordered (in their configuration): one side at a time, each measured straight
     * after its own warm-up, so that no side's clock comes after another side's warm-up that its own did not.
     */
    static final String ORDER = "order: " + ORDER_SHORT + ", each side's warm-up and then its measured run before the next side's "
            + "warm-up (until this rule all three warmed up first, then all three were measured)";

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
            // Each side warms up here by the worker rows' rule: a fixed few hundred jobs left db-scheduler and JobRunr
            // half-compiled, while task-sync's engine had been warmed by every row before this one.
            // Each side is measured straight after its own warm-up (ORDER): measuring all three after all three warm-ups
            // put the other two sides' warm-ups (and their garbage, compilations and database rows) between task-sync's
            // warm-up and its clock, but not between JobRunr's and its own.
            System.out.println("[peers] " + jobs + " independent no-op jobs in-process, " + threads + " threads, each side "
                    + "warmed up in this JVM and measured straight after (" + ORDER_SHORT + ") ...");
            String warmedUp;
            Measured ts;
            Measured d;
            Measured j;
            if (env.config.quick()) { // one short round each: --quick checks that the rows run, not what they say
                int warm = Math.min(jobs, 200);
                taskSync(EngineBench.Shape.FAN_OUT, warm);
                ts = taskSync(EngineBench.Shape.FAN_OUT, jobs);
                dbSchedulerJobs(dbs, warm);
                d = dbSchedulerJobs(dbs, jobs);
                jobRunrJobs(jr, warm);
                j = jobRunrJobs(jr, jobs);
                warmedUp = "; " + ORDER + "; in-process warm-up (--quick): one round of " + warm + " each";
            } else {
                List<Double> tw = WarmUp.run("task-sync in-process", round -> taskSync(EngineBench.Shape.FAN_OUT, jobs).rate());
                ts = taskSync(EngineBench.Shape.FAN_OUT, jobs);
                List<Double> dw = WarmUp.run("db-scheduler in-process", round -> dbSchedulerJobs(dbs, jobs).rate());
                d = dbSchedulerJobs(dbs, jobs);
                List<Double> jw = WarmUp.run("JobRunr in-process", round -> jobRunrJobs(jr, jobRunrRound(jobs)).rate());
                j = jobRunrJobs(jr, jobs);
                warmedUp = "; " + ORDER + "; in-process warm-up (rounds of " + jobs + ", JobRunr's " + jobRunrRound(jobs)
                        + "): task-sync " + WarmUp.format(tw) + ", db-scheduler " + WarmUp.format(dw) + ", JobRunr " + WarmUp.format(jw);
            }
            String what = Report.num("%,d independent no-op steps/jobs, in-process, %d threads", jobs, threads);
            String clock = "; clocks include storing the jobs (db-scheduler `scheduleBatch`, JobRunr `enqueue`) as task-sync's "
                    + "includes its submit, not a peer's wait for its first poll";
            row("7a", what + ", vs db-scheduler", ts, d, "db-scheduler", 1.5, DbSchedulerPeer.configuration(threads) + clock + warmedUp);
            row("7b", what + ", vs JobRunr", ts, j, "JobRunr", 3.0, JobRunrPeer.configuration(threads) + clock + warmedUp);

            int steps = workers.steps();
            List<Integer> counts = env.config.peerProcesses();
            workers.measureAll(counts, false);
            System.out.println("[peers] " + counts + " process(es) of each peer, " + steps + " no-op jobs ...");
            DbSchedulerPeer.createTable(env.pool);
            Map<Integer, Measured> dbn = processes(PeerProcess.DB_SCHEDULER, counts, steps, steps, ROUNDS_AHEAD, new Fleet() {
                private long fed;

                @Override
                public void feed(int jobs, String prefix) {
                    DbSchedulerPeer.scheduleNoops(dbs, jobs, prefix);
                    synchronized (this) {
                        fed += jobs;
                    }
                }

                @Override
                public long done() throws SQLException {
                    long f;
                    synchronized (this) {
                        f = fed;
                    }
                    return f - DbSchedulerPeer.remaining(dbs); // a one-time execution's row is deleted when it completes
                }

                @Override
                public void clear() {
                    synchronized (this) {
                        fed = 0; // every execution fed is done: its row is gone
                    }
                }

                @Override
                public long dropWaiting() throws SQLException {
                    long dropped = DbSchedulerPeer.deleteUnpicked(dbs);
                    synchronized (this) {
                        fed -= dropped;
                    }
                    return dropped;
                }
            });
            JobRunrPeer.deleteJobs(jr);
            Map<Integer, Measured> jrn = processes(PeerProcess.JOBRUNR, counts, steps, steps / WarmUp.JOBRUNR_ROUND_DIVISOR,
                    WarmUp.RULE.maxRounds(), new Fleet() {
                @Override
                public void feed(int jobs, String prefix) {
                    synchronized (JobRunrPeer.class) { // JobRunr's client is configured process-wide
                        JobRunrPeer.configureClient(jr);
                        JobRunrPeer.enqueueNoops(jobs);
                        JobRunrPeer.destroy();
                    }
                }

                @Override
                public long done() throws SQLException {
                    return JobRunrPeer.succeeded(jr);
                }

                @Override
                public void clear() throws SQLException {
                    JobRunrPeer.deleteJobs(jr); // all succeeded: the servers hold none of them
                }

                @Override
                public long dropWaiting() throws SQLException {
                    return JobRunrPeer.deleteEnqueued(jr);
                }
            });
            for (int i = 0; i < counts.size(); i++) {
                int n = counts.get(i);
                WorkerBench.Measured w = workers.measured(n);
                Measured t = new Measured(w.completed(), w.ms());
                Measured dn = dbn.get(n);
                Measured jn = jrn.get(n);
                String label = Report.num("%,d no-op steps/jobs, %d process(es) × 4 threads", steps, n);
                row("7" + (char) ('c' + 2 * i), label + ", vs db-scheduler", t, dn, "db-scheduler", 0, DbSchedulerPeer.configuration(4)
                        + warmedUp(PeerProcess.DB_SCHEDULER, n) + "; task-sync" + workers.warmedUp(n));
                row("7" + (char) ('d' + 2 * i), label + ", vs JobRunr", t, jn, "JobRunr", 0, JobRunrPeer.configuration(4)
                        + warmedUp(PeerProcess.JOBRUNR, n) + "; task-sync" + workers.warmedUp(n));
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
                + "JVM first by the same rule as the processes below (" + WarmUp.RULE.describe() + WarmUp.JIT.describe() + "; in-process rounds of the "
                + "measured run's size), one side at a time, each measured straight after its own warm-up (" + ORDER_SHORT + "); its rounds' rates are in rows 7a/7b's configuration. Peer processes have 4 threads each and are warmed up by the worker rows' rule, as task-sync's worker "
                + "processes are: started once for the most processes, stopped one by one for fewer, and before each count's clock "
                + WarmUp.RULE.describe() + "; a peer's rounds are fed back to back so that no round waits for a poll (db-scheduler's "
                + "stored " + ROUNDS_AHEAD + " rounds ahead of the one running, JobRunr's all at once: given a few hundred at a time "
                + "its servers still waited for their 5 s polls; the jobs still waiting when the rule is satisfied are deleted), a round's rate timed from the moment the jobs done reach the round before's end "
                + "to the moment they reach its own; each row's warm-up is in its configuration. " + RULE);
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

    /** JobRunr's warm-up round: a fraction of the others' (its jobs take 5-20 times as long). */
    private static int jobRunrRound(int jobs) {
        return Math.max(1, jobs / WarmUp.JOBRUNR_ROUND_DIVISOR);
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

    /** How the peer processes' jobs are stored and counted, for their warm-up rounds and the measured run. */
    private interface Fleet {
        /** Stores {@code jobs} no-op jobs due now (any thread; ids start with {@code prefix}). */
        void feed(int jobs, String prefix) throws Exception;

        /** Jobs done since the last {@link #clear}. */
        long done() throws Exception;

        /** Once every job fed is done: count from zero again. */
        void clear() throws Exception;

        /** Deletes the jobs no process has taken yet; returns how many (those will never be done). */
        long dropWaiting() throws Exception;
    }

    /** The warm-up rates of the peers' process counts, by peer and count. */
    private final Map<String, List<Double>> warmUps = new TreeMap<>();

    private String warmedUp(String peer, int n) {
        List<Double> rates = warmUps.get(peer + " × " + n);
        return rates == null ? "" : ", warmed up: " + WarmUp.format(rates);
    }

    /**
     * {@code peer}'s processes on {@code jobs} no-op jobs with each of {@code counts}, from the most to the fewest
     * (started once, stopped one by one), each count warmed up by {@link WarmUp#RULE} before its clock.
     */
    private Map<Integer, Measured> processes(String peer, List<Integer> counts, int jobs, int perRound, int ahead, Fleet fleet)
            throws Exception {
        Map<Integer, Measured> out = new TreeMap<>();
        List<Peer> processes = new ArrayList<>();
        ExecutorService feeder = Executors.newSingleThreadExecutor();
        try {
            for (int n : counts.stream().distinct().sorted(Comparator.reverseOrder()).toList()) {
                if (processes.size() < n) {
                    stop(processes, 0);
                    CountDownLatch started = new CountDownLatch(n);
                    for (int i = 0; i < n; i++) {
                        processes.add(start(peer, started));
                    }
                    if (!started.await(120, TimeUnit.SECONDS)) {
                        throw new IllegalStateException(peer + " processes did not start");
                    }
                }
                stop(processes, n);
                if (!env.config.coldWorkers()) {
                    List<Double> rates = warmUp(n, perRound, ahead, fleet, feeder);
                    warmUps.put(peer + " × " + n, rates);
                    System.out.println("  warm-up of " + n + " " + peer + " process(es): " + WarmUp.format(rates));
                }
                fleet.clear();
                for (Peer p : processes) {
                    p.reset();
                }
                long storeStart = PeerProgress.epochMicros();
                fleet.feed(jobs, "m" + n + "-");
                long storeEnd = PeerProgress.epochMicros();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(env.config.engineBudgetSeconds() * 3L);
                long done;
                while ((done = fleet.done()) < jobs && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                long end = PeerProgress.epochMicros();
                long first = processes.stream().mapToLong(Peer::first).filter(f -> f > 0).min()
                        .orElseThrow(() -> new IllegalStateException("no " + peer + " job started"));
                out.put(n, Measured.peer(done, storeStart, storeEnd, first, end, 1000.0));
                fleet.clear();
            }
        } finally {
            feeder.shutdownNow();
            stop(processes, 0);
        }
        return out;
    }

    /**
     * db-scheduler's warm-up rounds stored ahead of the one its processes are on (fed back to back). JobRunr's are
     * all stored at once: its servers, given a few hundred jobs at a time while they work, still waited for polls.
     */
    private static final int ROUNDS_AHEAD = 2;

    /**
     * Rounds of {@code per} jobs ({@code n} processes), stored {@code ahead} rounds ahead of the one being run, so that the processes never run out of due jobs and wait for a poll; round k's rate is timed from the moment
     * the jobs done reach round k-1's end (the first round: the first job done) to the moment they reach its own. When
     * the rule is satisfied the jobs still waiting are deleted and the ones taken are waited for.
     */
    private List<Double> warmUp(int n, int per, int ahead, Fleet fleet, ExecutorService feeder) throws Exception {
        List<Double> rates = new ArrayList<>();
        List<Future<?>> feeds = new ArrayList<>();
        fleet.clear();
        int fedRounds = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(env.config.engineBudgetSeconds() * 3L);
        long windowStart = 0;
        long done = 0;
        while (!WarmUp.RULE.done(rates)) {
            int rounds = Math.min(WarmUp.RULE.maxRounds(), rates.size() + ahead + 1) - fedRounds;
            if (rounds > 0) { // in one store, as a client stores a batch
                String prefix = "w" + n + "-" + (fedRounds + 1) + "-";
                feeds.add(feeder.submit(() -> {
                    fleet.feed(rounds * per, prefix);
                    return null;
                }));
                fedRounds += rounds;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the peer's warm-up did not finish: " + done + " jobs done");
            }
            Thread.sleep(10);
            done = fleet.done();
            long now = System.nanoTime();
            if (windowStart == 0 && done > 0) {
                windowStart = now;
            }
            if (done >= (long) (rates.size() + 1) * per) {
                rates.add(per / ((now - windowStart) / 1e9));
                windowStart = now;
            }
        }
        for (Future<?> f : feeds) {
            f.get(); // a feed's failure is the warm-up's
        }
        long left = (long) fedRounds * per - fleet.dropWaiting();
        while ((done = fleet.done()) < left) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the peer's warm-up did not finish: " + done + " of " + left + " jobs done");
            }
            Thread.sleep(10);
        }
        return rates;
    }

    /** Stops the last of {@code processes} until {@code keep} are left. */
    private static void stop(List<Peer> processes, int keep) throws InterruptedException {
        while (processes.size() > keep) {
            Process p = processes.remove(processes.size() - 1).process();
            p.destroy();
            p.waitFor();
        }
    }

    /** One peer process, its first job's start (epoch µs) since the last {@link #reset}. */
    private record Peer(Process process, AtomicLong firstMicros, Semaphore resets) {
        long first() {
            return firstMicros.get();
        }

        /** Tells the process to note its next job as its first, and waits until it has. */
        void reset() throws IOException, InterruptedException {
            firstMicros.set(0);
            process.getOutputStream().write("reset\n".getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
            if (!resets.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a peer process did not answer");
            }
        }
    }

    private Peer start(String peer, CountDownLatch started) throws IOException {
        AtomicLong first = new AtomicLong();
        Semaphore resets = new Semaphore(0);
        Process p = ChildJvm.start(PeerProcess.Main.class, List.of(), env.server.password(), line -> {
            if (line.equals("started")) {
                started.countDown();
            } else if (line.equals("reset")) {
                resets.release();
            } else if (line.startsWith("first ")) {
                first.compareAndSet(0, Long.parseLong(line.substring(6).strip()));
            }
        }, peer, env.server.jdbcUrl(), "4");
        return new Peer(p, first, resets);
    }
}
