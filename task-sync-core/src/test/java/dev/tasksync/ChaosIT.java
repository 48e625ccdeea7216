package dev.tasksync;

import dev.tasksync.embedded.EmbeddedServer;
import dev.tasksync.testing.Awaits;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Sleep;
import dev.tasksync.testing.WorkerMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.io.File;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three worker JVMs on one PostgreSQL, killed with SIGKILL again and again, and the database
 * restarted mid-run: every step completes exactly once, no two attempts of a step overlap, none is lost.
 */
class ChaosIT {
    static final int STEPS = 200;
    static final int KILLS = 8;
    /** A kill comes after this many more steps completed: spread over the run (8 × 12 of 200 steps). */
    static final int KILL_EVERY = 12;
    /** How long the test waits for progress, at most (a deadline for a hang, not a measure of speed). */
    static final Duration PROGRESS = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void workersSurviveKillsAndADatabaseRestart() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = dir.resolve("pg");
        EmbeddedServer server = EmbeddedServer.start(data, port, EmbeddedServer.Durability.THROWAWAY);
        String schema = "chaos";
        Random random = new Random(7);
        Map<String, Process> live = new LinkedHashMap<>(); // by the worker id it was started with
        int kills = 0;
        int restarts = 0;
        try (TaskSync ts = TaskSync.builder().jdbcUrl(server.jdbcUrl(), server.user(), server.password()).schema(schema)
                .stepType(new TestSteps.SleepType()).build()) {
            var def = TaskDefinition.named("chaos");
            for (int i = 0; i < STEPS; i++) {
                var step = def.step("s" + i, new Sleep(150 + random.nextInt(200)));
                if (i >= 10) {
                    step.dependsOn("s" + (i - 10 - random.nextInt(Math.min(i - 9, 10))));
                }
            }
            Task task = ts.save(def.build());
            ts.submit(task.id());
            for (int i = 0; i < 3; i++) {
                live.put("w" + i, startWorker(server.jdbcUrl(), server.password(), schema, "w" + i));
            }
            // Each round waits for progress (KILL_EVERY more steps completed), then kills, with SIGKILL, a worker that
            // holds an active step at that moment: every kill interrupts a running step, whatever the machine's speed.
            int generation = 3;
            int completed = 0;
            while (kills < KILLS) {
                int before = completed;
                completed = Awaits.awaitValue(KILL_EVERY + " more steps completed", PROGRESS, () -> completed(ts),
                        n -> n >= Math.min(STEPS, before + KILL_EVERY), () -> diagnostics(ts));
                if (completed >= STEPS) {
                    break;
                }
                List<String> ids = new ArrayList<>(live.keySet());
                String victim = Awaits.awaitValue("a live worker holding an active step", PROGRESS,
                        () -> holderAmong(ts, ids, random), id -> id != null, () -> diagnostics(ts));
                live.remove(victim).destroyForcibly().waitFor();
                kills++;
                String id = "w" + generation++;
                live.put(id, startWorker(server.jdbcUrl(), server.password(), schema, id));
                if (kills == KILLS / 2 && restarts == 0) {
                    server.close();
                    server = EmbeddedServer.start(data, port, EmbeddedServer.Durability.THROWAWAY);
                    restarts++;
                }
            }
            boolean finished;
            try {
                Awaits.await("every step completed", PROGRESS, () -> done(ts, task));
                finished = true;
            } catch (AssertionError e) {
                finished = false;
            }
            if (!finished) {
                System.out.println(diagnostics(ts));
                for (File f : dir.toFile().listFiles((d, n) -> n.endsWith(".log"))) {
                    List<String> lines = Files.readAllLines(f.toPath());
                    System.out.println("== " + f.getName() + "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
                }
            }
            assertThat(finished).as("all steps completed").isTrue();
            assertThat(ts.steps(task.id())).hasSize(STEPS).allMatch(s -> s.status() == StepStatus.COMPLETED);

            List<Map<String, Object>> runs = Rows.query(ts, "SELECT step_id, attempt, worker_id, started_at, finished_at, outcome "
                    + "FROM ${schema}.step_runs ORDER BY step_id, started_at, attempt");
            Map<Integer, List<Map<String, Object>>> byStep = new HashMap<>();
            runs.forEach(r -> byStep.computeIfAbsent((Integer) r.get("step_id"), k -> new ArrayList<>()).add(r));
            assertThat(byStep).hasSize(STEPS);
            int overlaps = 0;
            int abandoned = 0;
            for (var attempts : byStep.values()) {
                assertThat(attempts.stream().filter(r -> "completed".equals(r.get("outcome"))).count())
                        .as("step %s completed exactly once", attempts.get(0).get("step_id")).isEqualTo(1);
                assertThat(attempts).allMatch(r -> r.get("finished_at") != null);
                for (int i = 1; i < attempts.size(); i++) {
                    Timestamp previousEnd = (Timestamp) attempts.get(i - 1).get("finished_at");
                    Timestamp start = (Timestamp) attempts.get(i).get("started_at");
                    if (previousEnd.after(start)) {
                        System.out.println("overlap: " + attempts.get(i - 1) + " then " + attempts.get(i));
                        overlaps++;
                    }
                }
                abandoned += (int) attempts.stream().filter(r -> "abandoned".equals(r.get("outcome"))).count();
            }
            System.out.printf("chaos: %d steps, %d kills survived, %d database restart(s), %d attempts, %d abandoned, %d overlaps%n",
                    STEPS, kills, restarts, runs.size(), abandoned, overlaps);
            assertThat(overlaps).isZero();
            assertThat(abandoned).as("kills hit running steps").isPositive();
            assertThat(kills).isEqualTo(KILLS);
            assertThat(restarts).isEqualTo(1);
        } finally {
            live.values().forEach(Process::destroyForcibly);
            server.close();
        }
    }

    /** Steps completed so far; -1 while the database restarts. */
    private static int completed(TaskSync ts) {
        try {
            return ((Number) Rows.query(ts, "SELECT count(*) AS n FROM ${schema}.steps WHERE status = 'completed'")
                    .get(0).get("n")).intValue();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * One of {@code ids} (worker ids as started: a worker's steps are leased to {@code id/wN}) that holds an active
     * step under a lease not yet expired, picked at random; null when none does now.
     */
    private static String holderAmong(TaskSync ts, List<String> ids, Random random) {
        List<String> holders = new ArrayList<>();
        try {
            for (Map<String, Object> r : Rows.query(ts, "SELECT DISTINCT lease_owner FROM ${schema}.steps "
                    + "WHERE status = 'active' AND lease_expires_at > now()")) {
                String owner = (String) r.get("lease_owner");
                ids.stream().filter(id -> owner != null && owner.startsWith(id + "/")).forEach(holders::add);
            }
        } catch (RuntimeException e) {
            return null; // database restarting
        }
        holders.sort(null);
        return holders.isEmpty() ? null : holders.get(random.nextInt(holders.size()));
    }

    private static String diagnostics(TaskSync ts) {
        try {
            return "statuses: " + Rows.query(ts, "SELECT status, count(*) FROM ${schema}.steps GROUP BY status")
                    + "\nactive: " + Rows.query(ts, "SELECT id, attempt, lease_owner, lease_expires_at, now() FROM ${schema}.steps WHERE status = 'active'")
                    + "\nfailed: " + Rows.query(ts, "SELECT id, results::text FROM ${schema}.steps WHERE status = 'failed'");
        } catch (RuntimeException e) {
            return "database unreachable: " + e.getMessage();
        }
    }

    private static boolean done(TaskSync ts, Task task) {
        try {
            return ts.task(task.id()).status().equals("completed");
        } catch (RuntimeException e) {
            return false; // database restarting
        }
    }

    private Process startWorker(String url, String password, String schema, String id) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                WorkerMain.class.getName(), url, schema, id);
        pb.environment().put("TASKSYNC_DB_PASSWORD", password); // not on the command line, which every user can read
        return pb
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("worker-" + id + ".log").toFile())
                .start();
    }
}
