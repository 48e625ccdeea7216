package dev.tasksync.testing;

import dev.tasksync.LogLine;
import dev.tasksync.LogOptions;
import dev.tasksync.StepSettings;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;

import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code LogMemoryMain <jdbcUrl> <schema> <lines>}: runs a step that logs {@code lines} lines of 100 bytes (every
 * 10th on stderr) while another thread follows its log, then reads the stored log back; prints
 * {@code stored=B followed=B read=B} and exits 0 when all three are {@code lines * 100}. Run in a JVM with a small
 * heap to show that storing and following a log of any size stays bounded. The password comes from
 * {@code $TASKSYNC_DB_PASSWORD}, the user from {@code tasksync.test.user}.
 */
public final class LogMemoryMain {
    private LogMemoryMain() {
    }

    /** {@code {"spew": {"lines": N}}}. */
    private static StepType<Long> spewType() {
        return TestSteps.type("spew", value -> value.requireObject().field("lines").asLong(), context -> {
            String pad = "x".repeat(99);
            for (long i = 0; i < context.settings(); i++) {
                String number = Long.toString(i);
                String text = number + pad.substring(number.length()); // 99 characters and a newline: 100 bytes
                context.log().line(i % 10 == 9 ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, text);
            }
            return StepOutcome.success(StepOutcome.newResults());
        });
    }

    public static void main(String[] args) throws Exception {
        long lines = Long.parseLong(args[2]);
        try (TaskSync ts = TaskSync.builder().jdbcUrl(args[0], System.getProperty("tasksync.test.user", "postgres"),
                        System.getenv("TASKSYNC_DB_PASSWORD")).schema(args[1]).stepType(spewType())
                .logs(LogOptions.defaults().withMaxBytesPerAttempt(lines * 100 + 1024 * 1024)).build()) {
            Task task = ts.save(TaskDefinition.named("spew")
                    .step("spew", StepSettings.of("spew", "{\"lines\": " + lines + "}")).build());
            int step = ts.steps(task.id()).get(0).id();
            CompletableFuture<Long> followed = CompletableFuture.supplyAsync(() -> {
                try {
                    while (ts.history(step).isEmpty()) {
                        TimeUnit.MILLISECONDS.sleep(20); // until the run claimed it
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return bytes(ts.followLogs(step, 1).iterator());
            });
            boolean ok = ts.run(task.id()).succeeded();
            long follow = followed.get(10, TimeUnit.MINUTES);
            long read = bytes(ts.logs(step, 1).iterator());
            long stored = ts.logBytes(step, 1);
            System.out.println("succeeded=" + ok + " stored=" + stored + " followed=" + follow + " read=" + read
                    + " max_heap=" + Runtime.getRuntime().maxMemory());
            long expected = lines * 100;
            System.exit(ok && stored == expected && follow == expected && read == expected ? 0 : 1);
        }
    }

    private static long bytes(Iterator<LogLine> it) {
        long n = 0;
        while (it.hasNext()) {
            n += it.next().text().length() + 1;
        }
        return n;
    }
}
