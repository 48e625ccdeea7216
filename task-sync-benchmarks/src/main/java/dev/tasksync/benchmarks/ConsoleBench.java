package dev.tasksync.benchmarks;

import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.console.Console;
import dev.tasksync.console.ConsoleOptions;
import dev.tasksync.console.RunningConsole;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 18's speed rows: the task page of a 10,000-step task (server time over HTTP on loopback, and the first
 * render in the system chromium), and a 10,000-step run watched by 50 viewers against the same run unwatched.
 */
final class ConsoleBench {
    static final int STEPS = 10_000;
    static final int VIEWERS = 50;
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /**
     * Row 18c's viewers run in a JVM of their own (as a browser does: on other cores of other machines, not in the
     * process of the run it watches); {@code -Dtasksync.bench.console.viewers=in-process} puts them back into the
     * bench's JVM, competing with the run for its threads, heap and GC, as rows before session 12 measured;
     * {@code =per-run} starts a fresh viewer JVM for each watched run, as session 12 did (its cold JIT ran during
     * the measured window), to compare with the default: one viewer JVM for the row, warmed before the clock runs.
     */
    static final String VIEWERS_MODE = System.getProperty("tasksync.bench.console.viewers", "shared");
    static final boolean VIEWERS_OWN_PROCESS = !"in-process".equals(VIEWERS_MODE);

    private final Env env;
    private final Report report;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    ConsoleBench(Env env, Report report) {
        this.env = env;
        this.report = report;
    }

    void run() throws Exception {
        int steps = env.config.quick() ? 2_000 : STEPS;
        try (TaskSync ts = env.taskSync(env.config.concurrency(), new BenchSteps.NoopType());
             RunningConsole console = Console.start(ts, ConsoleOptions.defaults().withPort(0))) {
            String base = "http://127.0.0.1:" + console.port();
            System.out.println("[console] saving a " + steps + "-step layered task ...");
            Task task = Setup.create(env, ts, EngineBench.definition("console-page", EngineBench.Shape.LAYERED, steps));
            serverTime(ts, base, task, steps);
            firstRender(base, task, steps);
            viewers(ts, base, steps);
        }
    }

    private void serverTime(TaskSync ts, String base, Task task, int steps) throws Exception {
        String page = base + "/tasks/" + task.id();
        int bytes = 0;
        for (int i = 0; i < 5; i++) { // warm-up: JIT, pool, the server's caches
            bytes = get(page).length();
            ts.steps(task.id());
        }
        List<Double> server = new ArrayList<>();
        List<Double> read = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            long s = System.nanoTime();
            get(page);
            server.add((System.nanoTime() - s) / 1e6);
            s = System.nanoTime();
            List<Step> all = ts.steps(task.id());
            ts.dependencies(task.id());
            read.add((System.nanoTime() - s) / 1e6);
            if (all.size() != steps) {
                throw new IllegalStateException("read " + all.size() + " steps");
            }
        }
        double ms = Stats.median(server);
        double baseline = Stats.median(read);
        report.add(new Report.Row("18a", "console task page, " + Report.num("%,d", steps) + "-step task, server time",
                Report.ms(ms) + Report.num(" (%,d KiB)", bytes / 1024), Report.ms(baseline) + " (steps + dependencies read in-process)",
                Report.ratio(ms / baseline), Report.ms(ms) + " per page", "< 300 ms",
                ms < 300 ? Report.Verdict.MET : Report.Verdict.MISSED, "median of 7 GETs on loopback after 5 warm-up GETs"));
    }

    private void firstRender(String base, Task task, int steps) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            report.skip("18b", "console task page, first render in chromium", "< 1 s", "no " + CHROMIUM + " / " + CHROMEDRIVER);
            return;
        }
        System.setProperty("SE_OFFLINE", "true"); // Selenium Manager must not download anything
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        try {
            String page = base + "/tasks/" + task.id();
            for (int i = 0; i < 3; i++) {
                paint(driver, base + "/"); // warm-up: browser caches of the script and style sheet, server JIT
                paint(driver, page);
            }
            List<Double> fcp = new ArrayList<>();
            List<Double> dcl = new ArrayList<>();
            List<Double> list = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                double[] p = paint(driver, page);
                fcp.add(p[0]);
                dcl.add(p[1]);
                list.add(paint(driver, base + "/")[0]);
            }
            double first = Stats.median(fcp);
            double loaded = Stats.median(dcl);
            double baseline = Stats.median(list);
            report.add(new Report.Row("18b", "console task page, " + Report.num("%,d", steps) + "-step task, first render in chromium",
                    Report.ms(first) + " first paint, " + Report.ms(loaded) + " DOMContentLoaded", Report.ms(baseline) + " (the task list)",
                    Report.ratio(first / baseline), Report.ms(Math.max(first, loaded)) + " to first render", "< 1 s",
                    Math.max(first, loaded) < 1000 ? Report.Verdict.MET : Report.Verdict.MISSED,
                    "headless chromium via the system chromedriver; navigation start to first-contentful-paint and to "
                            + "domContentLoadedEventEnd (Performance API), median of 3 after 1 warm-up; the verdict takes the later"));
        } finally {
            driver.quit();
        }
    }

    /** Loads a page; returns milliseconds from navigation start to first contentful paint and to DOMContentLoaded. */
    private static double[] paint(WebDriver driver, String url) {
        driver.get(url);
        JavascriptExecutor js = (JavascriptExecutor) driver;
        for (int i = 0; i < 200; i++) {
            Object r = js.executeScript("const p = performance.getEntriesByName('first-contentful-paint')[0];"
                    + "const n = performance.getEntriesByType('navigation')[0];"
                    + "return (p && n && n.domContentLoadedEventEnd > 0) ? [p.startTime, n.domContentLoadedEventEnd] : null;");
            if (r instanceof List<?> l) {
                return new double[] {((Number) l.get(0)).doubleValue(), ((Number) l.get(1)).doubleValue()};
            }
            ConsoleViewers.sleep(50);
        }
        throw new IllegalStateException("no first-contentful-paint entry for " + url);
    }

    /**
     * Pairs of runs in row 18c (an unwatched and a watched run each). A 10,000-step run lasts ~2.5 s on the loaded
     * 2-core machine and one pair's ratio ranged 0.56x-1.52x, so 3 pairs could not tell 10% apart: the row takes the
     * median of many paired ratios, and reports their quartiles so its spread is in view.
     * {@code -Dtasksync.bench.console.pairs=N} changes the count.
     */
    static final int PAIRS = Integer.getInteger("tasksync.bench.console.pairs", 0);

    private void viewers(TaskSync ts, String base, int steps) throws Exception {
        int concurrency = env.config.concurrency();
        try (ConsoleViewers.Host host = ConsoleViewers.host(VIEWERS_MODE)) {
            viewers(ts, base, steps, concurrency, host);
        }
    }

    private void viewers(TaskSync ts, String base, int steps, int concurrency, ConsoleViewers.Host host) throws Exception {
        int pairs = PAIRS > 0 ? PAIRS : env.config.quick() ? 5 : 11;
        // warm-up of both sides: an unwatched run, then a watched one (the console's live path and the viewers' JVM
        // compiled before the clock runs, as the unwatched side's engine already is)
        run(ts, steps / 5, concurrency);
        watchedRun(ts, base, steps / 5, concurrency, host, new AtomicLong(), new ArrayList<>());
        List<Double> ratios = new ArrayList<>();
        List<Double> alones = new ArrayList<>();
        List<Double> watchedRates = new ArrayList<>();
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong events = new AtomicLong();
        for (int i = 0; i < pairs; i++) {
            // the order flips every pair (AB BA AB ...): a side that always ran first or second would take the
            // machine's drift (other load, the database growing by a task per run) as its own
            double alone;
            double withViewers;
            if (i % 2 == 0) {
                alone = run(ts, steps, concurrency);
                withViewers = watchedRun(ts, base, steps, concurrency, host, events, latencies);
            } else {
                withViewers = watchedRun(ts, base, steps, concurrency, host, events, latencies);
                alone = run(ts, steps, concurrency);
            }
            alones.add(alone);
            watchedRates.add(withViewers);
            ratios.add(withViewers / alone);
            System.out.printf("[console] 18c pair %d/%d: %.0f steps/s alone, %.0f watched, %.2fx%n",
                    i + 1, pairs, alone, withViewers, withViewers / alone);
        }
        double ratio = median(ratios);
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        double p95 = sorted.isEmpty() ? Double.NaN : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.95) - 1));
        StringBuilder each = new StringBuilder();
        for (int i = 0; i < pairs; i++) {
            each.append(i == 0 ? "" : ", ").append(Report.ratio(ratios.get(i)));
        }
        List<Double> byRatio = new ArrayList<>(ratios);
        Collections.sort(byRatio);
        String quartiles = Report.ratio(quantile(byRatio, 0.25)) + "–" + Report.ratio(quantile(byRatio, 0.75));
        report.add(new Report.Row("18c", "run of " + Report.num("%,d", steps) + " no-op steps watched by " + VIEWERS + " console viewers",
                Report.perSecond(median(watchedRates), "steps"), Report.perSecond(median(alones), "steps") + " (no viewer)",
                Report.ratio(ratio),
                Report.num("median of %d paired ratios (quartiles %s: %s); p95 API latency %s over %,d requests; %,d live events",
                        pairs, quartiles, each, Report.ms(p95), sorted.size(), events.get()),
                "≥ 0.90× no viewer", ratio >= 0.9 ? Report.Verdict.MET : Report.Verdict.MISSED,
                "concurrency " + concurrency + "; each viewer holds the page's event stream and opens a random step's "
                        + "JSON (GET /api/steps/{id}) every 2 s; " + pairs + " pairs of an unwatched and a watched run, "
                        + "the order flipped every pair; the ratio is the median of the pairs' ratios "
                        + "(-Dtasksync.bench.console.pairs=N); "
                        + (VIEWERS_OWN_PROCESS
                                ? "the " + VIEWERS + " viewers run in a JVM of their own on the same machine, as browsers "
                                        + "are not in the process they watch, "
                                        + (VIEWERS_MODE.equals("per-run") ? "a fresh JVM per watched run (-Dtasksync.bench.console.viewers=per-run), "
                                                : "started once for the row and warmed by a watched warm-up run (not a fresh JVM per run, "
                                                        + "whose JIT competed with the measured run: -Dtasksync.bench.console.viewers=per-run), ")
                                        + "and read with Apache HttpClient's classic blocking client "
                                        + "(every byte of every stream; the JDK's HttpClient cost as much CPU as PostgreSQL): "
                                        + "a change of the measurement, not of the console; they still share its 2 cores "
                                        + "(in the bench's JVM, as before session 12: -Dtasksync.bench.console.viewers=in-process)"
                                : "the viewers run in the bench's JVM (-Dtasksync.bench.console.viewers=in-process), "
                                        + "competing with the run for its threads and GC")));
    }

    /** The {@code q} quantile of sorted values, linear between neighbours. */
    static double quantile(List<Double> sorted, double q) {
        double pos = q * (sorted.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.size() - 1, lo + 1);
        return sorted.get(lo) + (sorted.get(hi) - sorted.get(lo)) * (pos - lo);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** One run of a fresh task of the same shape while {@link #VIEWERS} viewers watch it; its steps per second. */
    private double watchedRun(TaskSync ts, String base, int steps, int concurrency, ConsoleViewers.Host host,
            AtomicLong events, List<Double> latencies) throws IOException, InterruptedException {
        Task watched = Setup.create(env, ts, EngineBench.definition("console-watched-" + System.nanoTime(),
                EngineBench.Shape.LAYERED, steps));
        int[] ids = ts.steps(watched.id()).stream().mapToInt(Step::id).toArray();
        ConsoleViewers.Load viewers = host.watch(base, watched.id(), ids, VIEWERS);
        long s = System.nanoTime();
        RunResult r = ts.run(watched.id(), RunOptions.defaults().withConcurrency(concurrency));
        double ms = (System.nanoTime() - s) / 1e6;
        ConsoleViewers.sleep(500); // the last events reach the viewers
        ConsoleViewers.Seen seen = viewers.stop();
        events.addAndGet(seen.events());
        latencies.addAll(seen.latencies());
        if (!r.succeeded()) {
            throw new IllegalStateException("watched run failed: " + r.taskStatus());
        }
        return steps / (ms / 1000);
    }

    private double run(TaskSync ts, int steps, int concurrency) {
        Task t = Setup.create(env, ts, EngineBench.definition("console-alone-" + System.nanoTime(), EngineBench.Shape.LAYERED, steps));
        long s = System.nanoTime();
        RunResult r = ts.run(t.id(), RunOptions.defaults().withConcurrency(concurrency));
        double ms = (System.nanoTime() - s) / 1e6;
        if (!r.succeeded()) {
            throw new IllegalStateException("run failed: " + r.taskStatus());
        }
        return steps / (ms / 1000);
    }

    private String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + ": " + r.statusCode());
        }
        return r.body();
    }

}
