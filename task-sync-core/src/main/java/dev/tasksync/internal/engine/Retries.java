package dev.tasksync.internal.engine;

import dev.tasksync.DatabaseException;
import dev.tasksync.internal.metrics.EngineMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.Supplier;

/** The two ways the engine sends a statement again: while the database is unreachable, and after a lost deadlock. */
final class Retries {
    private static final Logger LOG = LoggerFactory.getLogger(Retries.class);
    private static final int CONFLICT_RETRIES = 5;

    private final Duration lease;
    private final EngineMetrics metrics;

    /** @param lease how long a write may be retried is twice this: as long as the lease it records under could hold */
    Retries(Duration lease, EngineMetrics metrics) {
        this.lease = lease;
        this.metrics = metrics;
    }

    /** Retries a database write while the database is unreachable, for as long as the lease could still hold. */
    void write(Runnable write) {
        write(() -> {
            write.run();
            return null;
        });
    }

    <T> T write(Supplier<T> call) {
        long deadline = System.nanoTime() + lease.toNanos() * 2;
        long sleep = 100;
        while (true) {
            try {
                return call.get();
            } catch (DatabaseException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.warn("database write failed, retrying in {} ms: {}", sleep, rootMessage(e));
                metrics.databaseRetry("unavailable");
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                sleep = Math.min(2_000, sleep * 2);
            }
        }
    }

    /**
     * Sends a claim again when PostgreSQL broke a deadlock (or a serialization conflict) by failing it: two runs of one
     * task that submit and claim at once can lock the same step rows in different orders. The statement ran in
     * autocommit, so it changed nothing and sending it again is safe; PostgreSQL's docs advise exactly this.
     */
    <T> T conflicts(Supplier<T> claim) {
        for (int attempt = 1; ; attempt++) {
            try {
                return claim.get();
            } catch (DatabaseException e) {
                boolean conflict = "40P01".equals(e.sqlState()) || "40001".equals(e.sqlState());
                if (!conflict || attempt == CONFLICT_RETRIES) {
                    throw e;
                }
                LOG.debug("claim lost a deadlock ({}), sending it again", e.sqlState());
                metrics.databaseRetry("conflict");
            }
        }
    }

    /** The database's own words: jOOQ's wrapper says only which callback failed. */
    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? e.getMessage() : root.getMessage();
    }
}
