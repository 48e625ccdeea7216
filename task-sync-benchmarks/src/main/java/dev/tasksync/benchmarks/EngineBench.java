package dev.tasksync.benchmarks;

import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Item 1: end-to-end engine throughput on no-op steps in three shapes, against a plain JDBC loop
 * doing per step the minimal claim-and-complete transaction on the same database.
 */
record EngineBench(Env env, Report report) {
    enum Shape {
        CHAIN("chain"), FAN_OUT("wide fan-out"), LAYERED("layered DAG, width 100");

        final String label;

        Shape(String label) {
            this.label = label;
        }
    }

    /** Step titles and dependencies of each shape. */
    static TaskDefinition definition(String name, Shape shape, int steps) {
        TaskDefinition.Builder b = TaskDefinition.named(name);
        for (int i = 0; i < steps; i++) {
            var step = b.step(title(i), BenchSteps.noop(i));
            switch (shape) {
                case CHAIN -> {
                    if (i > 0) {
                        step.dependsOn(title(i - 1));
                    }
                }
                case FAN_OUT -> {
                    // one root, every other step waits for it
                    if (i > 0) {
                        step.dependsOn(title(0));
                    }
                }
                case LAYERED -> {
                    // layers of 100; each step waits for two steps of the layer above
                    int width = 100;
                    int layer = i / width;
                    if (layer > 0) {
                        int pos = i % width;
                        int above = (layer - 1) * width;
                        step.dependsOn(title(above + pos), title(above + (pos + 1) % width));
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        return b.build();
    }

    static String title(int i) {
        return "s" + i;
    }

    void run() throws Exception {
        int steps = env.config.engineSteps();
        int concurrency = env.config.concurrency();
        System.out.println("[engine] warming up (JIT, pool) ...");
        try (TaskSync ts = env.taskSync(concurrency, new BenchSteps.NoopType())) {
            for (Shape shape : Shape.values()) {
                Task t = ts.save(definition("warmup-" + shape, shape, Math.min(env.config.quick() ? 100 : 200, steps)));
                ts.run(t.id(), RunOptions.defaults().withConcurrency(concurrency));
            }
        }
        baselineLoop(Math.min(1_000, steps));

        System.out.println("[engine] baseline: JDBC claim/update/commit loop over " + steps + " rows ...");
        double baselineMs = baselineLoop(steps);
        double baselineRate = steps / (baselineMs / 1000);

        List<Object[]> runs = new ArrayList<>();
        for (Shape shape : Shape.values()) {
            runs.add(new Object[] {shape, true});
        }
        runs.add(new Object[] {Shape.FAN_OUT, false});
        int index = 0;
        for (Object[] r : runs) {
            Shape shape = (Shape) r[0];
            boolean analyze = (Boolean) r[1];
            String rowId = "1" + (char) ('a' + index++);
            System.out.println("[engine] " + shape.label + (analyze ? "" : " (no statistics)") + ": saving " + steps + " no-op steps ...");
            try (TaskSync ts = env.taskSync(concurrency, new BenchSteps.NoopType())) {
                long s0 = System.nanoTime();
                Task t = Setup.create(env, ts, definition("throughput-" + shape, shape, steps), analyze);
                System.out.println("[engine] " + shape.label + ": saved in " + Report.ms((System.nanoTime() - s0) / 1e6));
                System.gc();
                System.out.println("[engine] " + shape.label + ": running ...");
                Counting.Counts before = env.counting.counts();
                int budgetSeconds = analyze ? env.config.engineBudgetSeconds() : Math.max(3, env.config.engineBudgetSeconds() / 2);
                long budgetMs = budgetSeconds * 1000L;
                AtomicBoolean stopped = new AtomicBoolean();
                Thread guard = new Thread(() -> {
                    try {
                        Thread.sleep(budgetMs);
                        stopped.set(true);
                        ts.cancelTask(t.id());
                    } catch (InterruptedException e) {
                        // finished in time
                    }
                }, "bench-budget");
                guard.setDaemon(true);
                long start = System.nanoTime();
                guard.start();
                RunResult result = ts.run(t.id(), RunOptions.defaults().withConcurrency(concurrency));
                double ms = (System.nanoTime() - start) / 1e6;
                guard.interrupt();
                Counting.Counts used = env.counting.counts().minus(before);
                long completed = result.count(StepStatus.COMPLETED);
                System.out.println("[engine] " + shape.label + ": " + Report.ms(ms) + ", " + completed + " steps completed");
                if (!stopped.get() && !result.succeeded()) {
                    throw new IllegalStateException(shape.label + ": run did not complete every step: " + result.taskStatus());
                }
                String budgetNote = stopped.get() ? Report.num("; STOPPED at the %d s budget with %,d of %,d steps completed "
                        + "(rate over the completed steps)", budgetSeconds, completed, steps) : "";
                double rate = completed / (ms / 1000);
                double ratio = rate / baselineRate;
                report.add(new Report.Row(rowId,
                        "engine throughput, " + Report.num("%,d", steps) + " no-op steps, " + shape.label
                                + (analyze ? "" : ", fresh table (not analysed)"),
                        Report.perSecond(rate, "steps") + " (" + Report.ms(ms) + (stopped.get() ? ", stopped" : "") + ")",
                        Report.perSecond(baselineRate, "steps") + " (" + Report.ms(baselineMs) + ")",
                        Report.ratio(ratio), Report.num("%.1f stmts in %.1f transactions per step", used.statements() / (double) Math.max(1, completed),
                        used.transactions() / (double) Math.max(1, completed)),
                        "≥ 1.0× baseline", ratio >= 1.0 ? Report.Verdict.MET : Report.Verdict.MISSED,
                        "concurrency " + concurrency + budgetNote));
            }
        }
        report.note("Engine throughput (1a-1c) is `TaskSync.run` end to end at concurrency " + concurrency
                + " (load, plan with fingerprints, claims, executions, outcomes, final read-back), on tasks saved beforehand. "
                + "The baseline is one thread looping `BEGIN; SELECT id … WHERE status = 'new' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED; "
                + "UPDATE … SET status = 'completed'; COMMIT` with prepared statements over a table of the same number of rows "
                + "(no dependencies, no history rows): the least work a durable claim-and-complete needs. "
                + "Rows 1a-1c gather planner statistics (`ANALYZE steps, step_dependencies`) after writing the task, as autovacuum "
                + "does on a live database within about a minute; row 1d runs the fan-out straight after writing it, as a user who "
                + "saves a large task and runs it at once gets it (its run is cut at half the budget). "
                + "Statements and transactions per step are counted on the JDBC connections TaskSync uses (a transaction: an explicit commit, or a statement run in autocommit mode).");
    }

    /** Per row: claim with SKIP LOCKED, mark done, commit. Returns elapsed milliseconds. */
    double baselineLoop(int rows) throws SQLException {
        try (Connection c = env.connection()) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA IF NOT EXISTS bench_baseline");
                s.execute("DROP TABLE IF EXISTS bench_baseline.queue");
                s.execute("CREATE TABLE bench_baseline.queue (id SERIAL PRIMARY KEY, status TEXT NOT NULL DEFAULT 'new', "
                        + "finished_at TIMESTAMPTZ)");
                s.execute("CREATE INDEX queue_status_idx ON bench_baseline.queue (status, id)");
                s.execute("INSERT INTO bench_baseline.queue (status) SELECT 'new' FROM generate_series(1, " + rows + ")");
                s.execute("ANALYZE bench_baseline.queue");
            }
            c.setAutoCommit(false);
            int done = 0;
            long start = System.nanoTime();
            try (PreparedStatement claim = c.prepareStatement("SELECT id FROM bench_baseline.queue WHERE status = 'new' "
                    + "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED");
                 PreparedStatement complete = c.prepareStatement(
                         "UPDATE bench_baseline.queue SET status = 'completed', finished_at = now() WHERE id = ?")) {
                while (true) {
                    int id;
                    try (ResultSet rs = claim.executeQuery()) {
                        if (!rs.next()) {
                            c.commit();
                            break;
                        }
                        id = rs.getInt(1);
                    }
                    complete.setInt(1, id);
                    complete.executeUpdate();
                    c.commit();
                    done++;
                }
            }
            double ms = (System.nanoTime() - start) / 1e6;
            c.setAutoCommit(true);
            if (done != rows) {
                throw new IllegalStateException("baseline completed " + done + " of " + rows + " rows");
            }
            return ms;
        }
    }

    static List<Shape> shapes() {
        return new ArrayList<>(List.of(Shape.values()));
    }
}
