package dev.tasksync.benchmarks;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The load of row 18c: {@code viewers} open task pages, each holding the page's event stream (every byte of it read,
 * its events counted) and opening a random step's JSON every 2 s on a keep-alive connection, as a browser does
 * (Apache HttpClient's classic blocking client: the JDK's HttpClient took the viewers' process about as
 * much CPU as all of PostgreSQL's backends during a watched run). Runs in the bench's JVM or, as {@link Main}, in a process of its own
 * (where a browser's load is: not on the engine's cores' JVM, its threads and its GC).
 */
final class ConsoleViewers {
    private static final byte[] EVENT = "event:".getBytes(StandardCharsets.US_ASCII);
    static final long CLICK_MILLIS = 2000;

    /** What the viewers saw: live events received, and each GET's latency in milliseconds. */
    record Seen(long events, List<Double> latencies) {
    }

    /** Viewers started somewhere, stopped once after the run they watch. */
    interface Load {
        Seen stop() throws IOException, InterruptedException;
    }

    /**
     * Where viewers run: this JVM, or one viewer process started once for the whole row and kept between its
     * watched runs (a browser is not started anew for each run it watches: a fresh JVM per run put its cold JIT
     * and class loading on the two cores during the measured window). Closed after the row.
     */
    interface Host extends AutoCloseable {
        /** Starts {@code viewers} pages of the task; returns once every page has its first event. */
        Load watch(String base, int taskId, int[] stepIds, int viewers) throws IOException, InterruptedException;

        @Override
        void close() throws IOException, InterruptedException;
    }

    /** Viewers in this JVM ({@code in-process}), in a fresh process per watch ({@code per-run}), or in one process. */
    static Host host(String mode) throws IOException {
        if (mode.equals("per-run")) {
            return new Host() {
                @Override
                public Load watch(String base, int taskId, int[] stepIds, int viewers) throws IOException, InterruptedException {
                    ProcessHost fresh = new ProcessHost();
                    Load load = fresh.watch(base, taskId, stepIds, viewers);
                    return () -> {
                        Seen seen = load.stop();
                        fresh.close();
                        return seen;
                    };
                }

                @Override
                public void close() {
                }
            };
        }
        return !mode.equals("in-process") ? new ProcessHost() : new Host() {
            @Override
            public Load watch(String base, int taskId, int[] stepIds, int viewers) throws InterruptedException {
                ConsoleViewers load = new ConsoleViewers(base, taskId, stepIds, viewers);
                if (!load.awaitOpen()) {
                    throw new IllegalStateException("the viewers' pages did not open");
                }
                return load::stop;
            }

            @Override
            public void close() {
            }
        };
    }

    /** The viewer process ({@link Main}): one command at a time on its stdin, answers on its stdout. */
    private static final class ProcessHost implements Host {
        private final Process p;
        private final PrintStream to;
        private final BufferedReader from;

        ProcessHost() throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            to = new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8);
            from = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public Load watch(String base, int taskId, int[] stepIds, int viewers) throws IOException {
            to.println("watch " + base + " " + taskId + " " + viewers);
            to.println(Arrays.stream(stepIds).mapToObj(Integer::toString).collect(Collectors.joining(",")));
            String open = from.readLine();
            if (!"open".equals(open)) {
                p.destroy();
                throw new IllegalStateException("the viewer process said " + open);
            }
            return () -> {
                to.println("stop");
                long events = 0;
                List<Double> latencies = new ArrayList<>();
                String line;
                while ((line = from.readLine()) != null && !line.equals("done")) {
                    if (line.startsWith("events ")) {
                        events = Long.parseLong(line.substring(7));
                    } else if (line.startsWith("latencies ") && line.length() > 10) {
                        Arrays.stream(line.substring(10).split(",")).map(Double::valueOf).forEach(latencies::add);
                    }
                }
                return new Seen(events, latencies);
            };
        }

        @Override
        public void close() throws InterruptedException {
            to.close(); // the end of its stdin: the process exits
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroy();
            }
        }
    }

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong events = new AtomicLong();
    private final List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch opened;

    /** Starts {@code viewers} pages of task {@code taskId} at {@code base}, clicking on the steps {@code stepIds}. */
    ConsoleViewers(String base, int taskId, int[] stepIds, int viewers) {
        opened = new CountDownLatch(viewers);
        for (int v = 0; v < viewers; v++) {
            threads.add(daemon("viewer-" + v, () -> viewer(base, taskId, stepIds)));
        }
    }

    /** Waits until every page got its first event (every step's status); false if they did not within a minute. */
    boolean awaitOpen() throws InterruptedException {
        return opened.await(1, TimeUnit.MINUTES);
    }

    Seen stop() {
        stop.set(true);
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(5000); // the next run starts without this one's viewers
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Seen(events.get(), List.copyOf(latencies));
    }

    private void viewer(String base, int taskId, int[] steps) {
        // one client per viewer, as one browser: its event stream on one keep-alive connection, its clicks on another
        HttpGet stream = new HttpGet(base + "/tasks/" + taskId + "/events");
        stream.addHeader("Accept", "text/event-stream");
        try (CloseableHttpClient http = HttpClients.createMinimal()) {
            Thread reader = daemon("viewer-events", () -> {
                try {
                    http.execute(stream, response -> {
                        if (response.getCode() != 200) {
                            throw new IOException("GET " + stream.getRequestUri() + ": " + response.getCode());
                        }
                        countEvents(response.getEntity().getContent());
                        return null;
                    });
                } catch (IOException | RuntimeException e) {
                    // the console ended the stream, or this viewer cancelled it
                }
            });
            sleep(ThreadLocalRandom.current().nextLong(CLICK_MILLIS)); // viewers do not click in step
            while (!stop.get()) {
                int step = steps[ThreadLocalRandom.current().nextInt(steps.length)];
                long s = System.nanoTime();
                int status = http.execute(new HttpGet(base + "/api/steps/" + step), response -> {
                    EntityUtils.consume(response.getEntity()); // every byte read, the connection kept
                    return response.getCode();
                });
                if (status != 200) {
                    throw new IllegalStateException("GET /api/steps/" + step + ": " + status);
                }
                latencies.add((System.nanoTime() - s) / 1e6);
                if (!sleep(CLICK_MILLIS)) {
                    break;
                }
            }
            stream.cancel(); // ends the event stream's blocking read
            reader.interrupt();
        } catch (IOException e) {
            // stop() came while a GET was on its way
        }
    }

    /**
     * Reads the event stream to its end, counting each line that starts an event ({@code event:}). Scans the bytes
     * as they come: the first event of a 10,000-step task is one line of several hundred KiB.
     */
    private void countEvents(InputStream in) throws IOException {
        byte[] buf = new byte[16 * 1024];
        boolean first = true;
        int matched = 0; // how much of "event:" the current line starts with so far; -1: it does not
        for (int n; (n = in.read(buf)) >= 0; ) {
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    matched = 0;
                } else if (matched >= 0) {
                    matched = b == EVENT[matched] ? matched + 1 : -1;
                    if (matched == EVENT.length) {
                        events.incrementAndGet();
                        if (first) {
                            first = false;
                            opened.countDown(); // this page has its first event
                        }
                        matched = -1;
                    }
                }
            }
        }
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Sleeps; false when interrupted (the interrupt kept). */
    static boolean sleep(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The viewer process: on a line {@code watch BASE_URL TASK_ID VIEWERS} followed by the step ids to click on
     * ({@code ID,ID,...}: 10,000 of them are too long for an argument) it opens the pages and prints "open" once every
     * page has its first event; on "stop" it stops them and prints "events N", "latencies MS,MS,..." and "done". It
     * serves any number of watches, one at a time, and exits at the end of stdin.
     */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("watch ")) {
                        watch(line.substring(6).split(" "), in);
                    }
                }
            }
        }

        private static void watch(String[] args, BufferedReader in) throws IOException {
            int[] steps = Arrays.stream(in.readLine().split(",")).mapToInt(Integer::parseInt).toArray();
            ConsoleViewers viewers = new ConsoleViewers(args[0], Integer.parseInt(args[1]), steps, Integer.parseInt(args[2]));
            try {
                System.out.println(viewers.awaitOpen() ? "open" : "not open");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                System.out.println("interrupted");
            }
            System.out.flush();
            String line;
            while ((line = in.readLine()) != null && !line.equals("stop")) {
                // only "stop" means anything while pages are open
            }
            Seen seen = viewers.stop();
            System.out.println("events " + seen.events());
            StringBuilder b = new StringBuilder("latencies ");
            for (int i = 0; i < seen.latencies().size(); i++) {
                b.append(i == 0 ? "" : ",").append(seen.latencies().get(i));
            }
            System.out.println(b);
            System.out.println("done");
            System.out.flush();
        }
    }
}
