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
import java.util.Locale;

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
        // Rounds of cat, capture on and capture off, interleaved (each round alternates their order, so that none
        // always runs after another's garbage or dirty pages), each ratio taken within its round and the median of
        // the rounds reported: the machine's slow spells then weigh on both sides of a ratio alike.
        int rounds = env.config.quick() ? 3 : 9;
        List<Double> cat = new ArrayList<>();
        List<Double> captured = new ArrayList<>();
        List<Double> uncaptured = new ArrayList<>();
        List<Double> bodyOn = new ArrayList<>();
        List<Double> bodyOff = new ArrayList<>();
        List<Double> bodyCpuOn = new ArrayList<>();
        List<Double> bodyCpuOff = new ArrayList<>();
        List<Double> storeRatio = new ArrayList<>();
        List<Double> bodyRatio = new ArrayList<>();
        List<Double> bodyCpuRatio = new ArrayList<>();
        long stored = 0;
        LogOptions keepAll = LogOptions.defaults().withMaxBytesPerAttempt(bytes + (1 << 20));
        SpewType spewOn = new SpewType(made);
        SpewType spewOff = new SpewType(made);
        Path copy = env.workDir.resolve("log-copy.txt");
        try (TaskSync with = open(keepAll, spewOn); TaskSync without = open(LogOptions.disabled(), spewOff)) {
            Task a = with.save(definition("spew", lines));
            Task b = without.save(definition("spew", lines));
            // Warm-up, not timed: a tenth of the lines each way, then the whole step and cat once each, so that
            // neither side runs in the interpreter nor the first copy's page cache is new
            stepMillis(with, with.save(definition("spew-warm-up", lines / 10)));
            stepMillis(without, without.save(definition("spew-warm-up", lines / 10)));
            stepMillis(with, a);
            stepMillis(without, b);
            cat(source, copy);
            for (int round = 0; round < rounds; round++) {
                double c = 0;
                double on = 0;
                double onBody = 0;
                double onCpu = 0;
                double offBody = 0;
                double offCpu = 0;
                for (int k = 0; k < 3; k++) {
                    int which = round % 2 == 0 ? k : 2 - k; // cat, on, off; then off, on, cat
                    if (which == 0) {
                        c = cat(source, copy);
                    } else if (which == 1) {
                        on = stepMillis(with, a);
                        onBody = spewOn.bodyNanos / 1e6;
                        onCpu = spewOn.bodyCpuNanos / 1e6;
                    } else {
                        uncaptured.add(stepMillis(without, b));
                        offBody = spewOff.bodyNanos / 1e6;
                        offCpu = spewOff.bodyCpuNanos / 1e6;
                    }
                }
                cat.add(c);
                captured.add(on);
                bodyOn.add(onBody);
                bodyCpuOn.add(onCpu);
                bodyOff.add(offBody);
                bodyCpuOff.add(offCpu);
                storeRatio.add(on / c);
                bodyRatio.add(onBody / offBody);
                bodyCpuRatio.add(onCpu / offCpu);
                int step = with.steps(a.id()).get(0).id();
                stored = with.logBytes(step, with.history(step).size());
                if (stored != bytes) {
                    throw new IllegalStateException("stored " + stored + " bytes of log, expected " + bytes);
                }
                System.out.println("[logs] round " + round + ": cat > file " + Report.ms(c) + ", step with full log "
                        + Report.ms(on) + " (" + Report.ratio(on / c) + "), without " + Report.ms(uncaptured.get(round))
                        + "; the body " + Report.ms(onBody) + " on, " + Report.ms(offBody) + " off (" + Report.ratio(onBody / offBody)
                        + "; its thread's CPU " + Report.ms(onCpu) + " / " + Report.ms(offCpu) + ", " + Report.ratio(onCpu / offCpu)
                        + "); stored " + stored + " bytes; load " + loadAverage());
            }
        }
        Files.deleteIfExists(source);
        Files.deleteIfExists(copy);
        double c = Stats.median(cat);
        double w = Stats.median(captured);
        double n = Stats.median(uncaptured);
        double r = Stats.median(storeRatio);
        report.add(new Report.Row("17c", Report.num("store a step's log, %,d MB in %,d lines", bytes / 1_000_000, lines),
                Report.ms(w) + " (step with full log)", Report.ms(c) + " (cat > file)", Report.ratio(r),
                Report.mibPerSecond(bytes / (w / 1000)), "≤ 3× cat > file", r <= 3 ? Report.Verdict.MET : Report.Verdict.MISSED,
                Report.num("%d rounds of cat, capture on and off interleaved, after a warm-up; the ratio is the median of "
                        + "the rounds' own (%s–%s); cat > file %s–%s, the step %s–%s; the step's recorded duration: claim "
                        + "to outcome, the last chunk stored before it; chunks of up to 256 KiB, zstd, COPY into "
                        + "step_log_chunks", rounds, Report.ratio(Stats.min(storeRatio)), Report.ratio(Stats.max(storeRatio)),
                        Report.ms(Stats.min(cat)), Report.ms(Stats.max(cat)), Report.ms(Stats.min(captured)),
                        Report.ms(Stats.max(captured)))));
        double on = Stats.median(bodyOn);
        double off = Stats.median(bodyOff);
        double b = Stats.median(bodyRatio);
        double bc = Stats.median(bodyCpuRatio);
        report.add(new Report.Row("17d", Report.num("the same step's own run time (its body), full log on vs off"),
                Report.ms(on) + " (on)", Report.ms(off) + " (off)", Report.ratio(b),
                Report.num("%+.0f%%", (b - 1) * 100), "≤ 10% longer", b <= 1.10 ? Report.Verdict.MET : Report.Verdict.MISSED,
                Report.num("the body's loop, timed inside StepType.execute (nanoTime), on and off in the same round, the "
                        + "median of %d rounds' ratios (%s–%s; off %s–%s); its thread's CPU %s on vs %s off, %s (%s–%s); "
                        + "claim to outcome %s on vs %s off", rounds, Report.ratio(Stats.min(bodyRatio)),
                        Report.ratio(Stats.max(bodyRatio)), Report.ms(Stats.min(bodyOff)), Report.ms(Stats.max(bodyOff)),
                        Report.ms(Stats.median(bodyCpuOn)), Report.ms(Stats.median(bodyCpuOff)), Report.ratio(bc),
                        Report.ratio(Stats.min(bodyCpuRatio)), Report.ratio(Stats.max(bodyCpuRatio)), Report.ms(w), Report.ms(n))));
        report.note("Full logs (17c, 17d): the step logs 1 M lines made before the clock starts through `StepContext.log()` "
                + "(making them is the step's own work, not storing); with full logs off the tail, SLF4J (level warn here) "
                + "and the listener still see each line. 17c times the step's recorded duration, from its claim to its "
                + "outcome, which is recorded only once the last chunk is stored: storing the whole log. 17d times the step's "
                + "own run time, its body (`StepType.execute`'s loop, timed inside it), with capture on and off: the cost "
                + "capture adds to the step itself; storing may go on after the body returned (the outcome still waits for it). "
                + "`cat > file` copies a file of the same bytes, through the page cache (no fsync), its process start included. "
                + "Each round runs cat, the step with capture and without, in turns, and each ratio is the median of the "
                + "rounds' own ratios: a slow spell of a shared machine weighs on both sides of a round alike.");
    }

    private static String loadAverage() {
        return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
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
