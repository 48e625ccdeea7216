package dev.tasksync.internal.metrics;

import dev.tasksync.StepStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;

/**
 * Gauges {@code tasksync.steps{status}}: how many steps of every task are in each status, as stored. One
 * {@code GROUP BY} query answers all of them, sent at most once per {@code refresh}: a scrape reads every
 * gauge in turn, and each after the first is answered from the same counts.
 */
public final class StepStatusGauges {
    public static final String STEPS_BY_STATUS = "tasksync.steps";

    private final DSLContext dsl;
    private final long refreshNanos;
    private Map<StepStatus, Long> counts = new EnumMap<>(StepStatus.class);
    private long readAt;
    private boolean read;

    private StepStatusGauges(DSLContext dsl, Duration refresh) {
        this.dsl = dsl;
        this.refreshNanos = refresh.toNanos();
    }

    public static StepStatusGauges register(MeterRegistry registry, DSLContext dsl, Duration refresh) {
        StepStatusGauges gauges = new StepStatusGauges(dsl, refresh);
        for (StepStatus status : StepStatus.values()) {
            Gauge.builder(STEPS_BY_STATUS, gauges, g -> g.count(status)).tag("status", status.dbValue())
                    .description("Steps of every task in this status, as stored (read at most once per refresh interval)")
                    .strongReference(true).register(registry);
        }
        return gauges;
    }

    synchronized double count(StepStatus status) {
        long now = System.nanoTime();
        if (!read || now - readAt >= refreshNanos) {
            try {
                Map<StepStatus, Long> fresh = new EnumMap<>(StepStatus.class);
                dsl.select(STEPS.STATUS, DSL.count()).from(STEPS).groupBy(STEPS.STATUS)
                        .forEach(r -> fresh.put(StepStatus.fromDb(r.value1()), r.value2().longValue()));
                counts = fresh;
            } catch (RuntimeException e) {
                counts = null; // the database is unreachable: no value rather than a stale one
            } finally {
                readAt = now;
                read = true;
            }
        }
        return counts == null ? Double.NaN : counts.getOrDefault(status, 0L);
    }
}
