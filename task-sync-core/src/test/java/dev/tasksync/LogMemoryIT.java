package dev.tasksync;

import dev.tasksync.testing.LogMemoryMain;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Storing and following a 200 MB log stays within a 256 MB heap: a forked JVM with -Xmx256m does both. */
class LogMemoryIT {
    private static final long LINES = 2L * 1024 * 1024; // of 100 bytes: 200 MiB

    @TempDir
    Path dir;

    @Test
    void storingAndFollowingA200MbLogFitsIn256MbOfHeap() throws Exception {
        String schema = TestDatabase.newSchema();
        try (TaskSync ts = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema).build()) {
            Path output = dir.resolve("out.txt");
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-Dorg.slf4j.simpleLogger.log.dev.tasksync.step=warn", // 2 M lines not printed
                    "-Dtasksync.test.user=" + TestDatabase.user(),
                    "-cp", System.getProperty("java.class.path"), LogMemoryMain.class.getName(),
                    TestDatabase.jdbcUrl(), schema, String.valueOf(LINES))
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            pb.environment().put("TASKSYNC_DB_PASSWORD", TestDatabase.password() == null ? "" : TestDatabase.password());
            Process p = pb.start();
            boolean exited = p.waitFor(15, TimeUnit.MINUTES);
            if (!exited) {
                p.destroyForcibly();
            }
            String out = Files.readString(output);
            assertThat(exited).as(out).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("succeeded=true stored=" + LINES * 100 + " followed=" + LINES * 100 + " read=" + LINES * 100)
                    .doesNotContain("OutOfMemoryError");
            List<Step> steps = ts.steps();
            assertThat(ts.logBytes(steps.get(0).id(), 1)).isEqualTo(LINES * 100);
        }
    }
}
