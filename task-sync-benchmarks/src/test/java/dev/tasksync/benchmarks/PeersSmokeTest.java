package dev.tasksync.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the peers' section on tiny sizes (in-process and chain; no processes): db-scheduler and JobRunr
 * really run their jobs on the embedded PostgreSQL, and every row says how each peer was configured.
 * Times are not checked.
 */
class PeersSmokeTest {

    @Test
    void peersRunBesideTaskSyncAndTheirConfigurationIsReported(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("BENCHMARKS.md");
        Config config = Config.parse("--quick", "--only", "peers", "--peer-jobs", "40", "--chain-steps", "5",
                "--peer-processes", "none", "--work-dir", dir.resolve("work").toString(), "--report", out.toString());

        Report report = Benchmarks.run(config);

        assertThat(report.rows).extracting(Report.Row::id).containsExactly("7a", "7b", "7i", "7j");
        assertThat(report.rows).allSatisfy(r -> {
            assertThat(r.ratio()).endsWith("×");
            assertThat(r.baseline()).matches("[0-9,]+ jobs/s .*");
        });
        assertThat(report.row("7a").note()).contains("lock-and-fetch", "threads", "polling interval");
        assertThat(report.row("7b").note()).contains("JobRunr 8.3.1", "poll interval 5 s", "8 workers");
        assertThat(report.row("7a").note()).contains("clocks include storing the jobs");
        assertThat(report.row("7a").note()).contains(PeersBench.ORDER);
        assertThat(report.row("7b").note()).contains(PeersBench.ORDER);
        assertThat(report.rows).allSatisfy(r -> assertThat(r.headline()).matches("storing left out: [0-9.]+×"));
        assertThat(report.row("7a").goal()).isEqualTo("≥ 1.5× db-scheduler");
        assertThat(report.row("7b").goal()).isEqualTo("≥ 3.0× JobRunr");
        String md = Files.readString(out);
        assertThat(md).contains("| 7a |", "| 7j |", "db-scheduler 16.7.1", "Peers (7a-7j)", "Each clock includes storing the work as due");
    }
}
