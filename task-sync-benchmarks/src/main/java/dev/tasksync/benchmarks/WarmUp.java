package dev.tasksync.benchmarks;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one warm-up rule of rows 6a-6e and 7c-7h, for every side (task-sync's worker processes, 6d's in-process run,
 * the peers' processes): rounds of no-op work, each timed like the measured run, until the rate stops rising. A JVM that
 * has done a few hundred steps is still interpreting and compiling; a long-running worker or scheduler is not.
 * An in-process side ({@link #run}) also warms until its rounds stop compiling (see {@link #JIT}): in 7a's window
 * task-sync's JVM compiled for 150-700 ms and db-scheduler's for 10-130 (s19, per thread CPU), which measured the
 * JIT's schedule as much as either side.
 */
final class WarmUp {
    /**
     * JobRunr's round is this fraction of the measured run's jobs: each of its jobs takes 5-20 times a task-sync step
     * or a db-scheduler execution (rows 7b, 7d), so its rounds last about as long as the others' and its warm-up stays in
     * the suite's time.
     */
    static final int JOBRUNR_ROUND_DIVISOR = 10;
    static final Rule RULE = new Rule(Integer.getInteger("tasksync.bench.warmUpMinRounds", 3),
            Integer.getInteger("tasksync.bench.warmUpMaxRounds", 6), 0.05);
    /** The in-process sides' JIT rule: see {@link Jit}. */
    static final Jit JIT = new Jit(0.05, Integer.getInteger("tasksync.bench.warmUpMaxJitRounds", 12));

    private WarmUp() {
    }

    /**
     * Stop after at least {@code minRounds} once a round's rate is within {@code tolerance} (a fraction) of the best
     * earlier round, either way: higher means still warming, lower is a dip (noise, a collection) that proves nothing;
     * at {@code maxRounds} stop regardless.
     */
    record Rule(int minRounds, int maxRounds, double tolerance) {
        Rule {
            if (minRounds < 2 || maxRounds < minRounds || tolerance <= 0) {
                throw new IllegalArgumentException("need 2 <= minRounds <= maxRounds and a positive tolerance");
            }
        }

        /** Whether the rounds run so far, whose rates are {@code rates} in order, are enough. */
        boolean done(List<Double> rates) {
            int n = rates.size();
            if (n >= maxRounds) {
                return true;
            }
            if (n < minRounds) {
                return false;
            }
            double best = rates.subList(0, n - 1).stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            double last = rates.get(n - 1);
            return Math.abs(last - best) <= tolerance * best;
        }

        /** How many of {@code rates}' rounds the rule runs: the first prefix that is {@link #done}. */
        int rounds(List<Double> rates) {
            for (int i = 1; i <= rates.size(); i++) {
                if (done(rates.subList(0, i))) {
                    return i;
                }
            }
            return rates.size();
        }

        String describe() {
            return String.format(Locale.ROOT, "warm-up rounds, each as much no-op work as the measured run (JobRunr: 1/%d of it, "
                    + "its jobs taking 5-20× as long), until a round's rate is within ±%.0f%% of the best earlier round (at least %d "
                    + "rounds, at most %d)", JOBRUNR_ROUND_DIVISOR, tolerance * 100, minRounds, maxRounds);
        }
    }

    /**
     * An in-process warm-up goes on (past {@link Rule#maxRounds}, up to {@code maxRounds}) while its last round spent
     * more than {@code share} of its time compiling, as this JVM counts it (all compiler threads together): a side
     * measured while C2 still compiles its hot paths pays for that in its window, on two cores.
     */
    record Jit(double share, int maxRounds) {
        Jit {
            if (share <= 0 || maxRounds < 1) {
                throw new IllegalArgumentException("need a positive share and maxRounds");
            }
        }

        /** Whether rounds whose rates are {@code rates} and compile shares {@code shares} (in order) are enough by {@code rule}. */
        boolean done(Rule rule, List<Double> rates, List<Double> shares) {
            int n = rates.size();
            if (n >= Math.max(maxRounds, rule.maxRounds())) {
                return true;
            }
            return shares.get(n - 1) <= share && rule.done(rates);
        }

        String describe() {
            return String.format(Locale.ROOT, "; an in-process side also until its last round spent at most %.0f%% of its time "
                    + "compiling (at most %d rounds)", share * 100, maxRounds);
        }
    }

    /** Milliseconds a JVM spent compiling so far, all compiler threads together; negative if it does not say. */
    interface CompileClock {
        long millis();

        /** This JVM's ({@link CompilationMXBean#getTotalCompilationTime}). */
        CompileClock THIS_JVM = () -> {
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
        };

        /** Not counted: the rates' rule alone, as for processes (whose compiling this JVM does not see). */
        CompileClock NOT_COUNTED = () -> -1;
    }

    /** One warm-up round: runs it and returns its rate (steps or jobs per second). */
    interface Round {
        double run(int round) throws Exception;
    }

    /**
     * Runs rounds in this JVM until {@link #RULE} and {@link #JIT} are satisfied, printing each round's rate and compile
     * time; returns the rates.
     */
    static List<Double> run(String what, Round round) throws Exception {
        return run(what, round, CompileClock.THIS_JVM);
    }

    static List<Double> run(String what, Round round, CompileClock compiled) throws Exception {
        List<Double> rates = new ArrayList<>();
        List<Double> shares = new ArrayList<>();
        List<Long> compileMillis = new ArrayList<>();
        do {
            long jitBefore = compiled.millis();
            long start = System.nanoTime();
            rates.add(round.run(rates.size() + 1));
            double wallMillis = Math.max(1e-3, (System.nanoTime() - start) / 1e6);
            long jit = jitBefore < 0 ? 0 : Math.max(0, compiled.millis() - jitBefore); // unknown: counts as quiet
            compileMillis.add(jit);
            shares.add(jit / wallMillis);
        } while (!JIT.done(RULE, rates, shares));
        System.out.println("  warm-up of " + what + ": " + format(rates) + ", compiling " + compileMillis + " ms");
        return rates;
    }

    static String format(List<Double> rates) {
        StringBuilder b = new StringBuilder();
        for (double r : rates) {
            b.append(b.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%,.0f", r));
        }
        return rates.size() + " round(s), " + b + " /s";
    }
}
