package dev.tasksync.benchmarks;

import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Item 2: 1,000 independent steps that each sleep 10 ms at concurrency 8, against the same sleeps
 * submitted to a plain fixed thread pool of 8. The extra wall time, spread over the steps each
 * slot ran, is the engine's overhead per step.
 */
record OverheadBench(Env env, Report report) {
    static TaskDefinition definition(String name, int steps, int millis) {
        TaskDefinition.Builder b = TaskDefinition.named(name);
        for (int i = 0; i < steps; i++) {
            b.step("sleep" + i, BenchSteps.sleep(millis, i));
        }
        return b.build();
    }

    void run() throws Exception {
        Config cfg = env.config;
        int steps = cfg.sleepSteps();
        int millis = cfg.sleepMillis();
        int concurrency = cfg.sleepConcurrency();
        System.out.println("[overhead] " + steps + " steps sleeping " + millis + " ms at concurrency " + concurrency + " ...");
        executorRun(Math.min(200, steps), millis, concurrency);
        List<Double> baseline = new ArrayList<>();
        List<Double> engine = new ArrayList<>();
        int rounds = cfg.quick() ? 1 : 3;
        try (TaskSync ts = env.taskSync(concurrency, new BenchSteps.SleepType())) {
            Task warm = ts.save(definition("overhead-warmup", Math.min(200, steps), millis));
            ts.run(warm.id(), RunOptions.defaults().withConcurrency(concurrency));
            Task task = Setup.create(env, ts, definition("overhead", steps, millis));
            for (int round = 0; round < rounds; round++) {
                baseline.add(executorRun(steps, millis, concurrency));
                long start = System.nanoTime();
                RunResult result = ts.run(task.id(), RunOptions.defaults().withConcurrency(concurrency).withForce(true));
                engine.add((System.nanoTime() - start) / 1e6);
                System.out.println("[overhead] round " + round + ": executor " + Report.ms(baseline.get(round))
                        + ", engine " + Report.ms(engine.get(round)));
                if (!result.succeeded()) {
                    throw new IllegalStateException("sleep run did not complete: " + result.taskStatus());
                }
            }
        }
        double b = Stats.median(baseline);
        double e = Stats.median(engine);
        double ideal = Math.ceil(steps / (double) concurrency) * millis;
        double perSlot = steps / (double) concurrency;
        double extraPerStep = (e - b) / perSlot;
        report.add(new Report.Row("2", Report.num("per-step overhead, %,d × %d ms sleeps, concurrency %d", steps, millis, concurrency),
                Report.ms(e), Report.ms(b) + " (ExecutorService)", Report.ratio(e / b),
                Report.num("%+.2f ms per step", extraPerStep),
                "≤ 2 ms extra per step", extraPerStep <= 2.0 ? Report.Verdict.MET : Report.Verdict.MISSED,
                Report.num("median of %d; ideal %s", rounds, Report.ms(ideal))));
        report.note(Report.num("Per-step overhead (2): extra ms per step = (engine wall time − executor wall time) ÷ (%d steps ÷ %d slots), "
                        + "i.e. how much longer each step holds its slot than the bare sleep; spread over all steps the engine adds %.2f ms of wall time per step. "
                        + "The engine side is `TaskSync.run(task, force)` end to end (plan, claims, history rows, outcomes).",
                steps, concurrency, (e - b) / steps));
    }

    static double executorRun(int steps, int millis, int concurrency) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>(steps);
            for (int i = 0; i < steps; i++) {
                futures.add(pool.submit(() -> {
                    Thread.sleep(millis);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            return (System.nanoTime() - start) / 1e6;
        } finally {
            pool.shutdownNow();
        }
    }
}
