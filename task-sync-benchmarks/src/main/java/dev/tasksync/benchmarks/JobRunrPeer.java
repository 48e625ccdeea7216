package dev.tasksync.benchmarks;

import org.jobrunr.configuration.JobRunr;
import org.jobrunr.jobs.lambdas.JobRequest;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.jobrunr.scheduling.BackgroundJobRequest;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * JobRunr 8.3.1 (open source) on PostgreSQL: job requests with a handler, its documented way for jobs
 * that are not lambdas. Its smallest allowed poll interval on a SQL database is 5 s (it throws below);
 * a worker that ends a job fetches more at once, so the poll interval only delays the first pickup.
 */
final class JobRunrPeer {
    static final String SCHEMA = "peer_jobrunr";
    static final Duration POLL_INTERVAL = Duration.ofSeconds(5);

    private JobRunrPeer() {
    }

    static String configuration(int threads) {
        return String.format(Locale.ROOT, "JobRunr 8.3.1 (open source): PostgresStorageProvider, %d workers, poll interval %d s "
                + "(the smallest it allows on SQL), job requests with a handler, Jackson mapper, HikariCP 16 connections",
                threads, POLL_INTERVAL.toSeconds());
    }

    static void createSchema(DataSource adminPool) throws SQLException {
        try (Connection c = adminPool.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            s.execute("CREATE SCHEMA " + SCHEMA);
        }
    }

    /**
     * Configures JobRunr in this JVM on {@code ds} (whose connections use {@link #SCHEMA}) with a
     * background job server of {@code threads} workers, started or not.
     */
    static BackgroundJobServer configure(DataSource ds, int threads, boolean start) {
        JobRunr.configure().useJsonMapper(new JacksonJsonMapper())
                .useStorageProvider(new PostgresStorageProvider(ds))
                .useBackgroundJobServer(BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
                        .andWorkerCount(threads).andPollInterval(POLL_INTERVAL), start)
                .initialize();
        return JobRunr.getBackgroundJobServer();
    }

    /** Configures JobRunr without a server: enough to enqueue. */
    static void configureClient(DataSource ds) {
        JobRunr.configure().useJsonMapper(new JacksonJsonMapper()).useStorageProvider(new PostgresStorageProvider(ds)).initialize();
    }

    static void destroy() {
        JobRunr.destroy();
    }

    static void enqueueNoops(int n) {
        BackgroundJobRequest.enqueue(IntStream.range(0, n).mapToObj(NoopRequest::new));
    }

    static void enqueueChain(int length) {
        BackgroundJobRequest.enqueue(new ChainRequest(0, length));
    }

    static long succeeded(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SCHEMA + ".jobrunr_jobs WHERE state = 'SUCCEEDED'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Deletes the jobs no server has taken yet; returns how many (a warm-up's jobs left over). */
    static long deleteEnqueued(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            return s.executeUpdate("DELETE FROM " + SCHEMA + ".jobrunr_jobs WHERE state = 'ENQUEUED'");
        }
    }

    static void deleteJobs(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM " + SCHEMA + ".jobrunr_jobs");
        }
    }

    /** A no-op job. Public with a no-argument constructor and a property: JobRunr stores it as JSON. */
    public static final class NoopRequest implements JobRequest {
        private int n;

        public NoopRequest() {
        }

        NoopRequest(int n) {
            this.n = n;
        }

        public int getN() {
            return n;
        }

        public void setN(int n) {
            this.n = n;
        }

        @Override
        public Class<NoopHandler> getJobRequestHandler() {
            return NoopHandler.class;
        }
    }

    public static final class NoopHandler implements JobRequestHandler<NoopRequest> {
        @Override
        public void run(NoopRequest request) {
            PeerProgress.noop();
        }
    }

    /** Step {@code i} of a chain of {@code length}: the job enqueues the next, as JobRunr's docs chain jobs. */
    public static final class ChainRequest implements JobRequest {
        private int i;
        private int length;

        public ChainRequest() {
        }

        ChainRequest(int i, int length) {
            this.i = i;
            this.length = length;
        }

        public int getI() {
            return i;
        }

        public void setI(int i) {
            this.i = i;
        }

        public int getLength() {
            return length;
        }

        public void setLength(int length) {
            this.length = length;
        }

        @Override
        public Class<ChainHandler> getJobRequestHandler() {
            return ChainHandler.class;
        }
    }

    public static final class ChainHandler implements JobRequestHandler<ChainRequest> {
        @Override
        public void run(ChainRequest request) {
            PeerProgress.noop();
            if (request.getI() + 1 < request.getLength()) {
                BackgroundJobRequest.enqueue(new ChainRequest(request.getI() + 1, request.getLength()));
            }
        }
    }
}
