package dev.tasksync.benchmarks;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;


/**
 * One peer scheduler process for rows 7c-7h: {@code Main <db-scheduler|jobrunr> <jdbcUrl> <threads>}
 * (password in $TASKSYNC_DB_PASSWORD). Prints "started" once it polls, "first MICROS" (epoch
 * microseconds) when its first job starts, and runs until it is stopped; a line "reset" on its input makes it note its
 * next job as its first again (answering "reset").
 */
final class PeerProcess {
    static final String DB_SCHEDULER = "db-scheduler";
    static final String JOBRUNR = "jobrunr";

    private PeerProcess() {
    }

    /** The peers' pool: HikariCP with its defaults and task-sync's size (16), on the peer's own schema. */
    static HikariDataSource pool(String jdbcUrl, String user, String password, String schema) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(16);
        config.setPoolName("peer-" + schema);
        config.addDataSourceProperty("currentSchema", schema);
        return new HikariDataSource(config);
    }

    public static final class Main {
        public static void main(String[] args) throws Exception {
            String peer = args[0];
            int threads = Integer.parseInt(args[2]);
            String schema = peer.equals(DB_SCHEDULER) ? DbSchedulerPeer.SCHEMA : JobRunrPeer.SCHEMA;
            HikariDataSource ds = pool(args[1], "postgres", System.getenv("TASKSYNC_DB_PASSWORD"), schema);
            PeerProgress.onFirst(() -> System.out.println("first " + PeerProgress.firstEpochMicros()));
            Runnable stop;
            if (peer.equals(DB_SCHEDULER)) {
                Scheduler scheduler = DbSchedulerPeer.scheduler(ds, threads, DbSchedulerPeer.noopTask());
                scheduler.start();
                stop = scheduler::stop;
            } else {
                JobRunrPeer.configure(ds, threads, true);
                stop = JobRunrPeer::destroy;
            }
            Thread commands = new Thread(() -> { // "reset" notes the next job as the first (of a measured run)
                try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.equals("reset")) {
                            PeerProgress.reset();
                            System.out.println("reset");
                        }
                    }
                } catch (java.io.IOException e) {
                    // the benchmark ended
                }
            });
            commands.setDaemon(true);
            commands.start();
            ChildJvm.runUntilStopped("started", () -> {
                stop.run();
                ds.close();
            });
        }
    }
}
