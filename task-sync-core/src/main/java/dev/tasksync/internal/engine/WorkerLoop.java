package dev.tasksync.internal.engine;

import dev.tasksync.RunListener;
import dev.tasksync.WorkerOptions;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import dev.tasksync.DatabaseException;
import java.util.concurrent.TimeUnit;

/**
 * A long-running worker: claims runnable steps of any task, executes and records them. LISTEN/NOTIFY
 * wakes it as soon as work appears; polling is the fallback. Survives a database restart.
 */
public final class WorkerLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerLoop.class);

    private final Engine engine;
    private final String workerId;
    private final WorkerOptions options;
    private final StepRunner runner;
    private final WorkerClaims claims;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private Thread loop;
    private Thread listener;
    private DataSource listenSource;
    /** Its row in the workers table, renewed from the loop (across16). */
    private final WorkerRegistry registry;
    private final UnreachableOutputs unreachable;
    /** Which tasks' local_paths exist here: it claims only those tasks' steps (acr16). */
    private final WorkerPaths paths;
    private final Placement placement;
    private final Duration expiresAfter;
    private final long beatNanos;

    /** @param listener told of each step this worker starts and finishes (not of logs, up-to-date steps or leases) */
    WorkerLoop(Engine engine, String workerId, WorkerOptions options, RunListener listener) {
        this.engine = engine;
        this.workerId = workerId;
        this.options = options;
        this.claims = new WorkerClaims(engine, workerId, options.concurrency());
        this.runner = new StepRunner(engine, workerId, options, listener == null ? RunListener.NONE : listener, claims, null);
        this.registry = WorkerRegistry.on(engine);
        this.unreachable = new UnreachableOutputs(engine.dsl(), engine.tables());
        this.paths = new WorkerPaths(engine.dsl(), engine.tables(), workerId);
        this.placement = Placement.of(engine.registry(), options);
        // The loop renews the row at least once per poll interval (it waits no longer): three missed renewals, or
        // a lease, whichever is longer, and the worker counts as gone. A killed worker is gone at once (its session).
        Duration beat = options.heartbeat().compareTo(options.pollInterval()) > 0 ? options.heartbeat() : options.pollInterval();
        Duration three = beat.multipliedBy(3);
        this.expiresAfter = three.compareTo(options.lease()) > 0 ? three : options.lease();
        this.beatNanos = Math.max(beat.toNanos(), expiresAfter.toNanos() / 6);
    }

    /** Labels and facts this worker claims by. */
    Placement placement() {
        return placement;
    }

    public String workerId() {
        return workerId;
    }

    /**
     * How many steps this worker remembers as released (by its own completions, or named by other workers' wake-ups):
     * its next claims ask for those first. For tests and diagnostics.
     */
    public int remembered() {
        return claims.remembered();
    }

    /**
     * How many completed steps' outcomes are queued for a recorder (none is free: both record); for tests and
     * diagnostics. A worker's step threads do not wait for their recording (s21), so no thread shows them.
     */
    public int queuedOutcomes() {
        return runner.queuedOutcomes();
    }

    /** Steps this worker claimed so far. */
    public long claimed() {
        return runner.claimedCount();
    }

    /** Starts claiming; {@code notifications} (may be null) is where LISTEN connections come from. */
    public synchronized void start(DataSource notifications) {
        if (loop != null) {
            throw new IllegalStateException("worker already started");
        }
        this.listenSource = notifications;
        registry.register(workerId, placement, expiresAfter);
        loop = new Thread(this::loop, "task-sync-worker-" + workerId);
        loop.start();
        if (notifications != null) {
            listener = new Thread(this::listen, "task-sync-listen-" + workerId);
            listener.setDaemon(true);
            listener.start();
        }
    }

    private void loop() {
        long backoff = 100;
        long lastSettle = System.nanoTime();
        long lastBeat = System.nanoTime();
        boolean pathsCleared = false;
        long lastAllPaths = 0;
        try {
            while (running) {
                try {
                    if (System.nanoTime() - lastBeat >= beatNanos) {
                        lastBeat = System.nanoTime();
                        registry.beat(workerId, expiresAfter);
                    }
                    if (!pathsCleared) {
                        paths.clear();
                        pathsCleared = true;
                        paths.lookAtAll();
                        lastAllPaths = System.nanoTime();
                    }
                    List<Claim> claims = runner.free() > 0 ? runner.claim() : List.of();
                    boolean stale = this.claims.scanned(claims);
                    claims.forEach(runner::start);
                    backoff = 100;
                    if (stale) {
                        continue; // it claimed by hints and none was claimable any more: by the hints left, or any step
                    }
                    if (claims.isEmpty() && runner.free() > 0) {
                        // Nothing claimable here: maybe tasks whose local_path this worker has not looked at yet.
                        boolean appeared = paths.lookAtNewTasks();
                        if (System.nanoTime() - lastAllPaths >= options.pollInterval().toNanos()) {
                            lastAllPaths = System.nanoTime();
                            appeared |= paths.lookAtAll();
                        }
                        if (appeared) {
                            continue; // claim again at once
                        }
                    }
                    if (claims.isEmpty() && runner.free() == options.concurrency()
                            && System.nanoTime() - lastSettle >= options.pollInterval().toNanos()) {
                        // Idle: settle any task left active with nothing to run (at most once per poll interval).
                        lastSettle = System.nanoTime();
                        int settled = engine.settleFinishedTasks();
                        if (settled > 0) {
                            LOG.info("worker {}: settled {} task(s) left active with no step to run", workerId, settled);
                        }
                        List<Integer> again = unreachable.release(options.rebuildAfter());
                        if (!again.isEmpty()) {
                            LOG.info("worker {}: step(s) {} run again: their image or container is on a Docker engine no live worker"
                                    + " has been on for {}", workerId, again, options.rebuildAfter());
                            runner.wakeUp();
                        }
                    }
                    if (claims.isEmpty() || runner.free() == 0) {
                        runner.await(options.pollInterval());
                    }
                } catch (DatabaseException e) {
                    LOG.warn("worker {}: database unavailable ({}); retrying in {} ms", workerId, e.getMessage(), backoff);
                    engine.metrics().databaseRetry("unavailable"); // metrics hook
                    Thread.sleep(backoff);
                    backoff = Math.min(5_000, backoff * 2);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopped.countDown();
        }
    }

    private void listen() {
        while (running) {
            try (Connection c = listenSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("LISTEN " + engine.channel());
                PGConnection pg = c.unwrap(PGConnection.class);
                runner.wakeUp();
                while (running) {
                    var notifications = pg.getNotifications((int) Math.max(1, options.pollInterval().toMillis()));
                    boolean wake = false;
                    for (var n : notifications == null ? new PGNotification[0] : notifications) {
                        wake |= claims.hint(n.getParameter()); // The steps it names are claimed by id
                    }
                    if (wake) {
                        runner.wakeUp();
                    }
                }
            } catch (SQLException e) {
                if (!running) {
                    return;
                }
                LOG.debug("worker {}: LISTEN connection lost: {}", workerId, e.getMessage());
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Stops claiming, lets running steps finish within the grace period, then releases the rest. */
    @Override
    public void close() {
        running = false;
        runner.wakeUp();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runner.shutdown(options.shutdownGrace());
        runner.close();
        registry.stopped(workerId);
        if (listener != null) {
            listener.interrupt();
        }
    }

    /** Blocks until the worker was closed. */
    public void awaitTermination(Duration max) throws InterruptedException {
        stopped.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }
}
