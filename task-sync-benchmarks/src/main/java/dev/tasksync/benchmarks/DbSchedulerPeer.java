package dev.tasksync.benchmarks;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.SchedulableInstance;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.CustomTask;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * db-scheduler 16.7.1 set up as its docs/performance.md says is fastest: lock-and-fetch polling
 * (one {@code UPDATE … FOR UPDATE SKIP LOCKED … RETURNING} per batch, one statement per execution).
 */
final class DbSchedulerPeer {
    static final String SCHEMA = "peer_dbscheduler";
    static final String TABLE = SCHEMA + ".scheduled_tasks";
    /** The docs' best measured setting (20 threads: lower 4.0, upper 20.0) as fractions of the threads. */
    static final double LOWER_LIMIT = 4.0;
    static final double UPPER_LIMIT = 20.0;
    /** Default is 10 s; short, since task-sync is woken by NOTIFY and db-scheduler has only polling across processes. */
    static final Duration POLLING_INTERVAL = Duration.ofMillis(100);

    private DbSchedulerPeer() {
    }

    static String configuration(int threads) {
        return String.format(Locale.ROOT, "db-scheduler 16.7.1: lock-and-fetch (lower %.1f, upper %.1f × threads: fetch up to %d "
                + "when fewer than %d are queued), %d threads, polling interval %d ms, immediate execution on, "
                + "Java serializer, HikariCP 16 connections", LOWER_LIMIT, UPPER_LIMIT, (int) (UPPER_LIMIT * threads),
                (int) (LOWER_LIMIT * threads), threads, POLLING_INTERVAL.toMillis());
    }

    /** The table of the docs' postgresql_tables.sql (16.x), in its own schema. */
    static void createTable(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            s.execute("CREATE SCHEMA " + SCHEMA);
            s.execute("CREATE TABLE " + TABLE + " (task_name TEXT NOT NULL, task_instance TEXT NOT NULL, task_data BYTEA, "
                    + "execution_time TIMESTAMPTZ NOT NULL, picked BOOLEAN NOT NULL, picked_by TEXT, last_success TIMESTAMPTZ, "
                    + "last_failure TIMESTAMPTZ, consecutive_failures INT, last_heartbeat TIMESTAMPTZ, version BIGINT NOT NULL, "
                    + "priority SMALLINT, PRIMARY KEY (task_name, task_instance))");
            s.execute("CREATE INDEX execution_time_idx ON " + TABLE + " (execution_time)");
            s.execute("CREATE INDEX last_heartbeat_idx ON " + TABLE + " (last_heartbeat)");
            s.execute("CREATE INDEX priority_execution_time_idx ON " + TABLE + " (priority DESC, execution_time ASC)");
        }
    }

    static OneTimeTask<Void> noopTask() {
        return Tasks.oneTime("noop").execute((instance, context) -> PeerProgress.noop());
    }

    /** The docs' job chaining (JobChainingUsingSeparateTasksMain): on completion, remove this one and schedule the next. */
    static CustomTask<Integer> chainTask(int length) {
        return Tasks.custom("chain", Integer.class).execute((instance, context) -> {
            PeerProgress.noop();
            int next = instance.getData() + 1;
            if (next >= length) {
                return new CompletionHandler.OnCompleteRemove<>();
            }
            return (complete, operations) -> operations.removeAndScheduleNew(
                    SchedulableInstance.of(new TaskInstance<>("chain", "c" + next, next), Instant.now()));
        });
    }

    static Scheduler scheduler(DataSource ds, int threads, Task<?>... tasks) {
        return Scheduler.create(ds, tasks).tableName(TABLE).threads(threads)
                .pollUsingLockAndFetch(LOWER_LIMIT, UPPER_LIMIT).pollingInterval(POLLING_INTERVAL)
                .enableImmediateExecution().shutdownMaxWait(Duration.ofSeconds(5)).build();
    }

    /** Schedules n no-op executions due now, in batches, as a client would. */
    static void scheduleNoops(DataSource ds, int n) {
        scheduleNoops(ds, n, "n");
    }

    /** As {@link #scheduleNoops(DataSource, int)}, the instances named {@code prefix} and a number. */
    static void scheduleNoops(DataSource ds, int n, String prefix) {
        SchedulerClient client = SchedulerClient.Builder.create(ds, noopTask()).tableName(TABLE).build();
        Instant now = Instant.now();
        List<TaskInstance<?>> batch = new ArrayList<>();
        IntStream.range(0, n).forEach(i -> batch.add(noopTask().instance(prefix + i)));
        for (int from = 0; from < n; from += 1_000) {
            client.scheduleBatch(batch.subList(from, Math.min(n, from + 1_000)), now);
        }
    }

    static void scheduleChain(DataSource ds, int length) {
        SchedulerClient client = SchedulerClient.Builder.create(ds, chainTask(length)).tableName(TABLE).build();
        client.schedule(new TaskInstance<>("chain", "c0", 0), Instant.now());
    }

    /** Deletes the executions no scheduler has picked; returns how many (a warm-up's jobs left over). */
    static long deleteUnpicked(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            return s.executeUpdate("DELETE FROM " + TABLE + " WHERE NOT picked");
        }
    }

    /** Executions not yet done (a one-time execution's row is deleted when it completes). */
    static long remaining(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + TABLE)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
