package dev.tasksync.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one warm-up rule of rows 6a-6e and 7c-7h, for every side (task-sync's worker processes, 6d's in-process run,
 * the peers' processes): rounds of no-op work, each timed like the measured run, until the rate stops rising. A JVM that
 * has done a few hundred steps is still interpreting and compiling; a long-running worker or scheduler is not.
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

    /** One warm-up round: runs it and returns its rate (steps or jobs per second). */
    interface Round {
        double run(int round) throws Exception;
    }

    /** Runs rounds until {@link #RULE} is satisfied, printing each round's rate; returns the rates. */
    static List<Double> run(String what, Round round) throws Exception {
        List<Double> rates = new ArrayList<>();
        do {
            rates.add(round.run(rates.size() + 1));
        } while (!RULE.done(rates));
        System.out.println("  warm-up of " + what + ": " + format(rates));
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
