package dev.tasksync.testing;

import dev.tasksync.TaskSync;
import dev.tasksync.Worker;
import dev.tasksync.WorkerOptions;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A worker process for chaos tests: {@code WorkerMain <jdbcUrl> <schema> <workerId>}; runs until killed. The password
 * comes from {@code $TASKSYNC_DB_PASSWORD} (not the command line, which every user can read); the system property
 * {@code tasksync.test.user} (default postgres) and {@code tasksync.test.leaseMillis} (default 5000) override the
 * database user and the lease.
 */
public final class WorkerMain {
    private WorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        WorkerOptions options = WorkerOptions.defaults().withConcurrency(4)
                .withLease(Duration.ofMillis(Long.getLong("tasksync.test.leaseMillis", 5_000)), Duration.ofMillis(500))
                .withPollInterval(Duration.ofMillis(250))
                .withShutdownGrace(Duration.ofSeconds(1));
        TaskSync ts = null;
        for (int attempt = 1; ts == null; attempt++) {
            try {
                ts = TaskSync.builder().jdbcUrl(args[0], System.getProperty("tasksync.test.user", "postgres"),
                                System.getenv("TASKSYNC_DB_PASSWORD")).schema(args[1])
                        .workerId(args[2]).migrate(false).stepType(new TestSteps.SleepType()).build();
            } catch (RuntimeException e) {
                if (attempt == 60) {
                    throw e; // the database did not come back within a minute
                }
                Thread.sleep(1_000);
            }
        }
        TaskSync taskSync = ts;
        Worker worker = taskSync.worker(options);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            taskSync.close();
            done.countDown();
        }));
        System.out.println("worker " + worker.id() + " started");
        done.await();
    }
}
