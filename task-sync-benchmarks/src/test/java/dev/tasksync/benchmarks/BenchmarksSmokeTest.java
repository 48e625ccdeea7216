package dev.tasksync.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the harness on tiny sizes: every row is there and the report is written. Times are not checked. */
class BenchmarksSmokeTest {

    @Test
    void tinyRunWritesEveryRow(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("BENCHMARKS.md");
        Config config = Config.parse("--quick", "--steps", "30", "--sleep-steps", "16", "--dag-steps", "500",
                "--hash-mib", "1", "--rerun-steps", "30", "--watched-files", "20", "--only", "engine,overhead,dag,hashing,rerun",
                "--work-dir", dir.resolve("work").toString(), "--report", out.toString());

        Report report = Benchmarks.run(config);

        assertThat(report.rows).extracting(Report.Row::id).containsExactly("1a", "1b", "1c", "1d", "2", "3", "4a", "4b", "4c");
        assertThat(report.rows).allSatisfy(r -> {
            assertThat(r.taskSync()).isNotBlank();
            if (r.id().startsWith("1") || r.id().equals("2") || r.id().equals("3") || r.id().equals("4b")) {
                assertThat(r.ratio()).endsWith("×");
            } else {
                // 4a needs sha256sum, 4c's baseline needs git: without them the row says so instead of a ratio
                assertThat(r.ratio()).matches(".*×|-");
            }
        });
        String md = Files.readString(out);
        assertThat(md).contains("# task-sync benchmarks", "| 1a |", "| 4c |", "Machine:", "PostgreSQL", "java -jar");
        assertThat(report.table()).contains("engine throughput", "DAG validate + order");
    }
}
