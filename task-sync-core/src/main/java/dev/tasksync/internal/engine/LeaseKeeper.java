package dev.tasksync.internal.engine;

import dev.tasksync.WorkerOptions;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps the leases of a runner's executions: a heartbeat extends them (and passes on cancel requests),
 * and self-fencing stops an execution whose lease could not be extended in time, before another worker
 * may claim its step. It reads the runner's executions and only ever stops them or moves their
 * {@link Execution#leaseValidUntil}.
 *
 * <p>Threads: the timer schedules both; the heartbeat may block on an unreachable database, so it runs
 * on a work thread (one at a time), and the timer stays free for fencing and timeouts.
 */
final class LeaseKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final DSLContext dsl;
    private final ClaimStatements statements;
    private final LeaseOwners leaseOwners;
    private final WorkerOptions options;
    private final Map<Integer, Execution> running;
    private final AtomicBoolean beating = new AtomicBoolean();
    private final ScheduledFuture<?> beatTask;
    private final ScheduledFuture<?> fenceTask;

    LeaseKeeper(DSLContext dsl, ClaimStatements statements, LeaseOwners leaseOwners, WorkerOptions options,
                Map<Integer, Execution> running, EngineThreads threads) {
        this.dsl = dsl;
        this.statements = statements;
        this.leaseOwners = leaseOwners;
        this.options = options;
        this.running = running;
        ScheduledExecutorService timer = threads.timer;
        ExecutorService pool = threads.work;
        long beat = options.heartbeat().toMillis();
        this.beatTask = timer.scheduleWithFixedDelay(() -> {
            if (beating.compareAndSet(false, true)) {
                try {
                    pool.execute(() -> {
                        try {
                            heartbeatQuietly();
                        } finally {
                            beating.set(false);
                        }
                    });
                } catch (RejectedExecutionException e) {
                    beating.set(false); // the engine is closing
                }
            }
        }, beat, beat, TimeUnit.MILLISECONDS);
        this.fenceTask = timer.scheduleWithFixedDelay(this::fenceExpired, beat / 2 + 1, beat / 2 + 1, TimeUnit.MILLISECONDS);
    }

    /** The System.nanoTime() until which a lease set after {@code from} surely holds. */
    long validUntil(long from) {
        return from + leaseNanos();
    }

    private void heartbeatQuietly() {
        try {
            heartbeat();
        } catch (RuntimeException e) {
            LOG.warn("heartbeat failed: {}", e.getMessage());
        }
    }

    /** Extends the leases of running steps; stops those whose lease was lost or that were cancelled. */
    void heartbeat() {
        if (running.isEmpty()) {
            return;
        }
        long sent = System.nanoTime();
        Map<Integer, Execution> snapshot = new HashMap<>(running);
        Integer[] ids = snapshot.keySet().toArray(Integer[]::new);
        Map<Integer, ClaimStatements.Held> held = new HashMap<>();
        statements.heartbeat(dsl, ids).forEach(h -> held.put(h.stepId(), h));
        leaseOwners.check(held.isEmpty()); // every lease lost at once: the session may be what was lost, look now
        snapshot.forEach((id, execution) -> {
            ClaimStatements.Held h = held.get(id);
            if (h == null || h.attempt() != execution.claim.attempt()) {
                // A step that is recording its outcome is no longer active: that is not a lost lease.
                if (running.containsKey(id) && !execution.isRecording()) {
                    LOG.warn("step {}: lease lost, stopping attempt {}", id, execution.claim.attempt());
                    execution.stop(Stop.LEASE_LOST);
                }
            } else {
                execution.leaseValidUntil = validUntil(sent);
                if (h.cancelRequested()) {
                    execution.stop(Stop.CANCELLED);
                }
            }
        });
    }

    /**
     * Self-fencing: a step whose lease could not be extended in time (the database is unreachable)
     * is stopped before another worker may claim it, so two attempts never run at once.
     */
    private void fenceExpired() {
        long now = System.nanoTime();
        running.values().forEach(execution -> {
            if (!execution.stopped() && now > execution.leaseValidUntil) {
                LOG.warn("step {}: lease not renewed in time, stopping attempt {}", execution.claim.stepId(), execution.claim.attempt());
                execution.stop(Stop.LEASE_LOST);
            }
        });
    }

    /** The lease minus a heartbeat's worth of margin for clock drift and slow stops. */
    private long leaseNanos() {
        return options.lease().toNanos() - options.heartbeat().toNanos();
    }

    @Override
    public void close() {
        beatTask.cancel(false);
        fenceTask.cancel(false);
    }
}
