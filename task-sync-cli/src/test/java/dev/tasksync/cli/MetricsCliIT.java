package dev.tasksync.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;

/** {@code task-sync worker --metrics-port}: Prometheus' text format at /metrics, scraped while the worker runs. */
class MetricsCliIT {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @RegisterExtension
    final CliHarness cli = new CliHarness();
    final HttpClient http = HttpClient.newHttpClient();
    @TempDir
    Path dir;

    /** Every sample of a scrape, keyed by name and its labels in order: {@code name{a="1",b="2"}}. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a sample line: %s", line).isTrue();
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            StringBuilder key = new StringBuilder(m.group(1));
            if (!labels.isEmpty()) {
                key.append('{');
                labels.forEach((k, v) -> key.append(key.charAt(key.length() - 1) == '{' ? "" : ",").append(k).append("=\"").append(v).append('"'));
                key.append('}');
            }
            samples.put(key.toString(), Double.parseDouble(m.group(4)));
        }
        return samples;
    }

    private HttpResponse<String> get(int port) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, Double> scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = get(port);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        return parse(r.body());
    }

    private interface Check {
        boolean test() throws Exception;
    }

    private static Callable<Boolean> quietly(Check check) {
        return () -> {
            try {
                return check.test();
            } catch (Exception e) {
                return false;
            }
        };
    }

    @Test
    void aWorkerServesItsMetricsInPrometheusFormat() throws Exception {
        Files.writeString(dir.resolve("present.txt"), "here");
        int task = cli.createTask("metrics", dir);
        cli.createStep(task, "Present", "{\"file_exists\": \"present.txt\"}");
        cli.createStep(task, "Missing", "{\"file_exists\": \"missing.txt\"}");

        StringWriter out = new StringWriter(); // a StringBuffer inside: safe to read while the worker writes
        StringWriter err = new StringWriter();
        AtomicInteger code = new AtomicInteger(-1);
        Thread worker = new Thread(() -> code.set(new Cli(cli.env, new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]), false).execute("worker", "--concurrency", "2", "--grace", "1",
                "--metrics-port", "0")));
        worker.start();
        int port;
        try {
            Pattern bound = Pattern.compile("Metrics at http://127\\.0\\.0\\.1:(\\d+)/metrics");
            await("the worker prints its metrics address", () -> bound.matcher(out.toString()).find() || !worker.isAlive());
            Matcher m = bound.matcher(out.toString());
            assertThat(m.find()).as("worker output: %s%s", out, err).isTrue();
            port = Integer.parseInt(m.group(1));

            // While the worker runs and before it has work: the meters are there, nothing counted yet.
            Map<String, Double> idle = scrape(port);
            assertThat(idle).containsEntry("tasksync_steps{status=\"new\"}", 2.0)
                    .containsEntry("tasksync_leases_taken_over_total", 0.0)
                    .doesNotContainKey("tasksync_steps_attempts_total{outcome=\"completed\",type=\"file_exists\"}");

            cli.ok("submit", "--task-id", String.valueOf(task));
            String completed = "tasksync_steps_attempts_total{outcome=\"completed\",type=\"file_exists\"}";
            String failed = "tasksync_steps_attempts_total{outcome=\"failed\",type=\"file_exists\"}";
            await("both attempts counted", quietly(() -> {
                Map<String, Double> s = scrape(port);
                return s.getOrDefault(completed, 0.0) == 1 && s.getOrDefault(failed, 0.0) == 1;
            }));
            Map<String, Double> after = scrape(port);
            assertThat(after).containsEntry(completed, 1.0).containsEntry(failed, 1.0)
                    .containsEntry("tasksync_steps_duration_seconds_count{outcome=\"completed\",type=\"file_exists\"}", 1.0)
                    .containsEntry("tasksync_steps_claim_latency_seconds_count{type=\"file_exists\"}", 2.0)
                    .containsEntry("tasksync_db_retries_total{reason=\"unavailable\"}", 0.0);
            // The status gauges are read at most every few seconds: wait for the read after the run.
            await("status gauges after the run", quietly(() -> {
                Map<String, Double> s = scrape(port);
                return s.getOrDefault("tasksync_steps{status=\"completed\"}", 0.0) == 1
                        && s.getOrDefault("tasksync_steps{status=\"failed\"}", 0.0) == 1;
            }));
            assertThat(scrape(port)).containsEntry("tasksync_steps{status=\"new\"}", 0.0);
        } finally {
            worker.interrupt();
            worker.join(30_000);
        }
        assertThat(code.get()).as("worker output: %s%s", out, err).isZero();
        assertThat(out.toString()).contains("'Present'").contains("'Missing'"); // the worker still prints its lines
        // Stopped with the worker: nothing listens there any more.
        assertThat(quietly(() -> get(port).statusCode() == 200).call()).isFalse();
    }

    @Test
    void aBadMetricsPortIsRefusedNamingTheOption() {
        CliHarness.Result r = cli.run("worker", "--metrics-port", "70000");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--metrics-port must be between 0 and 65535, was 70000");
    }
}
