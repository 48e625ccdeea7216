package dev.tasksync.internal.metrics;

import dev.tasksync.AttemptOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The engine's metrics in a Micrometer registry. Meter names and tags are documented in the README
 * (section "Metrics"); meters are looked up once per tag combination and kept.
 */
public final class MicrometerMetrics implements EngineMetrics {
    public static final String ATTEMPTS = "tasksync.steps.attempts";
    public static final String DURATION = "tasksync.steps.duration";
    public static final String CLAIM_LATENCY = "tasksync.steps.claim.latency";
    public static final String LEASES_LOST = "tasksync.leases.lost";
    public static final String LEASES_TAKEN_OVER = "tasksync.leases.taken.over";
    public static final String DB_RETRIES = "tasksync.db.retries";

    private final MeterRegistry registry;
    private final Map<List<String>, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<List<String>, Timer> durations = new ConcurrentHashMap<>();
    private final Map<String, Timer> latencies = new ConcurrentHashMap<>();
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();
    private final Counter leasesLost;
    private final Counter takenOver;

    public MicrometerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.leasesLost = Counter.builder(LEASES_LOST)
                .description("Attempts this process stopped because it lost the step's lease").register(registry);
        this.takenOver = Counter.builder(LEASES_TAKEN_OVER)
                .description("Steps this process claimed from an owner whose lease expired or that is gone").register(registry);
        for (String reason : List.of("conflict", "unavailable")) {
            retry(reason); // present (at 0) from the start, so that a rate can be taken before the first retry
        }
    }

    @Override
    public void attemptStarted(String type, long claimedAtNanos) {
        latencies.computeIfAbsent(type, t -> Timer.builder(CLAIM_LATENCY).tag("type", t)
                        .description("From claiming a step to starting it").register(registry))
                .record(System.nanoTime() - claimedAtNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void attemptEnded(String type, AttemptOutcome outcome, long startedAtNanos) {
        long took = System.nanoTime() - startedAtNanos;
        List<String> key = List.of(type, outcome.dbValue()); // the outcome tag: its stored name
        attempts.computeIfAbsent(key, k -> Counter.builder(ATTEMPTS).tags("type", k.get(0), "outcome", k.get(1))
                .description("Attempts to execute a step, by step type and outcome").register(registry)).increment();
        durations.computeIfAbsent(key, k -> Timer.builder(DURATION).tags("type", k.get(0), "outcome", k.get(1))
                .description("How long a step's attempt ran").register(registry)).record(Duration.ofNanos(took));
        if (outcome == AttemptOutcome.ABANDONED) {
            leasesLost.increment();
        }
    }

    @Override
    public void leaseTakenOver() {
        takenOver.increment();
    }

    @Override
    public void databaseRetry(String reason) {
        retry(reason).increment();
    }

    private Counter retry(String reason) {
        return retries.computeIfAbsent(reason, r -> Counter.builder(DB_RETRIES).tag("reason", r)
                .description("Database statements sent again after a conflict or while the database was unavailable")
                .register(registry));
    }
}
