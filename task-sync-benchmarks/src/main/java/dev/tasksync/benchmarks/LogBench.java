package dev.tasksync.benchmarks;

import dev.tasksync.LogLine;
import dev.tasksync.LogOptions;
import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.StepSettings;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;

import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 17: a step that prints 100 MB in 1 M lines, its full log stored in PostgreSQL, against writing the same
 * bytes to a file with {@code cat > file} (17c: claim to outcome, every chunk stored); and the step's own run
 * time, its body timed inside {@code execute}, with log capture against the same body with full logs disabled
 * (17d; the tail, SLF4J and the listener still see every line in both).
 */
record LogBench(Env env, Report report) {
    /**
     * {@code {"spew": {"lines": N}}}: logs the first N of its lines (made before the clock starts, every 10th on
     * stderr), 100 bytes each with its newline. The lines are made beforehand because the row times storing
     * output, as {@code cat} copies bytes it did not make: making 1 M strings in the step took longer than
     * {@code cat > file} on its own.
     */
    static final class SpewType implements StepType<Long> {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        private final String[] lines;
        /** The last execution's body: its loop's wall time and its thread's CPU time, in ns (row 17d). */
        volatile long bodyNanos;
        volatile long bodyCpuNanos;

        SpewType(String[] lines) {
            this.lines = lines;
        }

        @Override
        public String key() {
            return "spew";
        }

        @Override
        public Long parse(JsonSettings value) {
            long n = value.requireObject().field("lines").asLong();
            if (n > lines.length) {
                throw new IllegalArgumentException("$.spew.lines: at most " + lines.length);
            }
            return n;
        }

        @Override
        public StepOutcome execute(StepContext<Long> context) {
            long cpu = THREADS.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            for (int i = 0; i < context.settings(); i++) {
                context.log().line(i % 10 == 9 ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, lines[i]);
            }
            bodyNanos = System.nanoTime() - start;
            bodyCpuNanos = THREADS.getCurrentThreadCpuTime() - cpu;
            return StepOutcome.success(StepOutcome.newResults());
        }
    }

    private static final String PAD = "x".repeat(99);

    static String line(int i) {
        String number = Integer.toString(i);
        return number + PAD.substring(number.length());
    }

    void run() throws Exception {
        int lines = env.config.quick() ? 200_000 : 1_000_000;
        long bytes = lines * 100L;
        System.out.println("[logs] a step printing " + lines + " lines (" + bytes / 1_000_000 + " MB) ...");
        Path source = env.workDir.resolve("log-source.txt");
        String[] made = new String[lines];
        try (BufferedWriter w = Files.newBufferedWriter(source, StandardCharsets.UTF_8)) {
            for (int i = 0; i < lines; i++) {
                made[i] = line(i);
                w.write(made[i]);
                w.write('\n');
            }
        }
        int rounds = 2; // 100 MB four times takes a minute on a busy machine
        List<Double> cat = new ArrayList<>();
        List<Double> captured = new ArrayList<>();
        List<Double> uncaptured = new ArrayList<>();
        List<Double> bodyOn = new ArrayList<>();
        List<Double> bodyOff = new ArrayList<>();
        List<Double> bodyCpuOn = new ArrayList<>();
        List<Double> bodyCpuOff = new ArrayList<>();
        List<Double> processCpuOn = new ArrayList<>();
        List<Double> processCpuOff = new ArrayList<>();
        long stored = 0;
        LogOptions keepAll = LogOptions.defaults().withMaxBytesPerAttempt(bytes + (1 << 20));
        SpewType spewOn = new SpewType(made);
        SpewType spewOff = new SpewType(made);
        try (TaskSync with = open(keepAll, spewOn); TaskSync without = open(LogOptions.disabled(), spewOff)) {
            Task a = with.save(definition("spew", lines));
            Task b = without.save(definition("spew", lines));
            // Warm-up, not timed: a tenth of the lines each way, so that neither side runs in the interpreter
            stepMillis(with, with.save(definition("spew-warm-up", lines / 10)));
            stepMillis(without, without.save(definition("spew-warm-up", lines / 10)));
            for (int round = 0; round < rounds; round++) {
                cat.add(cat(source, env.workDir.resolve("log-copy.txt")));
                // on and off alternate which goes first, so that neither always runs after the other's garbage
                for (int side = 0; side < 2; side++) {
                    if ((side == 0) == (round % 2 == 0)) {
                        long cpu = processCpuNanos();
                        uncaptured.add(stepMillis(without, b));
                        processCpuOff.add((processCpuNanos() - cpu) / 1e6);
                        bodyOff.add(spewOff.bodyNanos / 1e6);
                        bodyCpuOff.add(spewOff.bodyCpuNanos / 1e6);
                    } else {
                        long cpu = processCpuNanos();
                        captured.add(stepMillis(with, a));
                        processCpuOn.add((processCpuNanos() - cpu) / 1e6);
                        bodyOn.add(spewOn.bodyNanos / 1e6);
                        bodyCpuOn.add(spewOn.bodyCpuNanos / 1e6);
                    }
                }
                int step = with.steps(a.id()).get(0).id();
                stored = with.logBytes(step, with.history(step).size());
                if (stored != bytes) {
                    throw new IllegalStateException("stored " + stored + " bytes of log, expected " + bytes);
                }
                System.out.println("[logs] round " + round + ": cat > file " + Report.ms(cat.get(round)) + ", step with full log "
                        + Report.ms(captured.get(round)) + ", without " + Report.ms(uncaptured.get(round)) + "; the body "
                        + Report.ms(bodyOn.get(round)) + " on, " + Report.ms(bodyOff.get(round)) + " off (its thread's CPU "
                        + Report.ms(bodyCpuOn.get(round)) + " / " + Report.ms(bodyCpuOff.get(round)) + "); the JVM's CPU over the step "
                        + Report.ms(processCpuOn.get(round)) + " / " + Report.ms(processCpuOff.get(round)) + "; stored " + stored + " bytes");
            }
        }
        Files.deleteIfExists(source);
        Files.deleteIfExists(env.workDir.resolve("log-copy.txt"));
        double c = Stats.median(cat);
        double w = Stats.median(captured);
        double n = Stats.median(uncaptured);
        report.add(new Report.Row("17c", Report.num("store a step's log, %,d MB in %,d lines", bytes / 1_000_000, lines),
                Report.ms(w) + " (step with full log)", Report.ms(c) + " (cat > file)", Report.ratio(w / c),
                Report.mibPerSecond(bytes / (w / 1000)), "≤ 3× cat > file", w <= 3 * c ? Report.Verdict.MET : Report.Verdict.MISSED,
                Report.num("median of %d, after a warm-up; the step's recorded duration: claim to outcome, the last chunk "
                        + "stored before it; chunks of up to 256 KiB, zstd, COPY into step_log_chunks", rounds)));
        double on = Stats.median(bodyOn);
        double off = Stats.median(bodyOff);
        report.add(new Report.Row("17d", Report.num("the same step's own run time (its body), full log on vs off"),
                Report.ms(on) + " (on)", Report.ms(off) + " (off)", Report.ratio(on / off),
                Report.num("%+.0f%%", (on / off - 1) * 100), "≤ 10% longer", on <= 1.10 * off ? Report.Verdict.MET : Report.Verdict.MISSED,
                Report.num("the body's loop, timed inside StepType.execute (nanoTime); its thread's CPU %s on vs %s off; "
                        + "claim to outcome %s on vs %s off; on and off alternate", Report.ms(Stats.median(bodyCpuOn)),
                        Report.ms(Stats.median(bodyCpuOff)), Report.ms(w), Report.ms(n))));
        report.note("Full logs (17c, 17d): the step logs 1 M lines made before the clock starts through `StepContext.log()` "
                + "(making them is the step's own work, not storing); with full logs off the tail, SLF4J (level warn here) "
                + "and the listener still see each line. 17c times the step's recorded duration, from its claim to its "
                + "outcome, which is recorded only once the last chunk is stored: storing the whole log. 17d times the step's "
                + "own run time, its body (`StepType.execute`'s loop, timed inside it), with capture on and off: the cost "
                + "capture adds to the step itself; storing may go on after the body returned (the outcome still waits for it). "
                + "`cat > file` copies a file of the same bytes, through the page cache (no fsync), its process start included.");
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private TaskSync open(LogOptions options, SpewType spew) {
        return TaskSync.builder().dataSource(env.pool).schema("bench_logs_" + System.nanoTime())
                .stepType(spew).logs(options).build();
    }

    private static TaskDefinition definition(String name, long lines) {
        return TaskDefinition.named(name).step("spew", StepSettings.of("spew", "{\"lines\": " + lines + "}")).build();
    }

    /** Runs the task's one step again; returns its recorded duration in ms. */
    private static double stepMillis(TaskSync ts, Task task) {
        RunResult r = ts.run(task.id(), RunOptions.defaults().withForce(true));
        if (!r.succeeded()) {
            throw new IllegalStateException("the spew step did not complete: " + r);
        }
        return r.step("spew").orElseThrow().duration().toNanos() / 1e6;
    }

    private static double cat(Path from, Path to) throws Exception {
        long start = System.nanoTime();
        Process p = new ProcessBuilder("sh", "-c", "cat \"$0\" > \"$1\"", from.toString(), to.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("cat failed");
        }
        return (System.nanoTime() - start) / 1e6;
    }
}
