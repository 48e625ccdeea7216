package dev.tasksync;

import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Sleep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.tasksync.testing.Awaits.await;
import static dev.tasksync.testing.TestSteps.titled;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker wakes the other workers (NOTIFY on the schema's channel) only when an outcome released a dependent that
 * is runnable, still new, and not claimed by the statement that recorded the outcome: a wake-up for a step its
 * recorder took, or one still waiting for another step, sends every listening worker to scan for nothing. Listens
 * on the channel as a worker would; each check ends with a notification of the test's own (a fence): what the
 * worker sent before it was committed before it, so it arrives before it.
 */
class WorkerWakeIT {
    static final WorkerOptions OPTIONS = WorkerIT.FAST.withLease(Duration.ofSeconds(30), Duration.ofSeconds(1)).withConcurrency(2);
    private static final String FENCE = "fence";

    TaskSync ts;
    String channel;
    Connection listening;

    @BeforeEach
    void open() {
        String schema = TestDatabase.newSchema();
        ts = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema).stepType(new TestSteps.SleepType()).build();
        channel = "tasksync_" + schema.toLowerCase(Locale.ROOT);
    }

    @AfterEach
    void close() throws SQLException {
        if (listening != null) {
            listening.close();
        }
        ts.close();
    }

    @Test
    void aDependentClaimedByTheStatementThatRecordedItsDependencyWakesNoOne() throws Exception {
        Task task = ts.save(TaskDefinition.named("chain").step("a", new Sleep(1)).step("b", new Sleep(1)).dependsOn("a").build());
        ts.submit(task.id()); // its own notification is sent before anyone listens
        listen();
        try (Worker w = ts.worker(OPTIONS)) {
            await("b completed", Duration.ofSeconds(60), () -> titled(ts, task, "b").status() == StepStatus.COMPLETED);
            assertThat(titled(ts, task, "b").startedAt()).as("b was claimed with a's outcome (one now())")
                    .isEqualTo(titled(ts, task, "a").finishedAt());
        }
        assertThat(payloadsUpToAFence()).as("notifications from the worker").isEmpty();
    }

    @Test
    void aReleasedDependentTheRecorderCouldNotClaimWakesTheOtherWorkers() throws Exception {
        // b needs a label this worker lacks: a's recording cannot claim it, and another worker must be told
        Task task = ts.save(TaskDefinition.named("labelled").step("a", new Sleep(1))
                .step("b", new Sleep(1)).dependsOn("a").runsOn("gpu").build());
        ts.submit(task.id());
        listen();
        try (Worker w = ts.worker(OPTIONS)) {
            await("a completed", Duration.ofSeconds(60), () -> titled(ts, task, "a").status() == StepStatus.COMPLETED);
            assertThat(notificationsUpToAFence()).as("notifications from the worker").isEqualTo(1);
            assertThat(titled(ts, task, "b").status()).isEqualTo(StepStatus.NEW);
        }
    }

    @Test
    void aDependentStillWaitingForAnotherStepWakesNoOne() throws Exception {
        // fails on the old wake statement, which woke everyone whenever a dependent was still new
        Task task = ts.save(TaskDefinition.named("join").step("slow", new Sleep(600_000)).step("quick", new Sleep(1))
                .step("join", new Sleep(1)).dependsOn("slow", "quick").build());
        ts.submit(task.id());
        listen();
        try (Worker w = ts.worker(OPTIONS)) {
            await("quick completed", Duration.ofSeconds(60), () -> titled(ts, task, "quick").status() == StepStatus.COMPLETED);
            assertThat(titled(ts, task, "join").status()).isEqualTo(StepStatus.NEW);
            assertThat(notificationsUpToAFence()).as("notifications from the worker").isZero();
        }
    }

    /**
     * The wake-up names the steps it released and did not claim (ranges of ids) and the worker that sent it,
     * so that the workers it wakes claim those by id; it used to carry nothing, and every worker woken scanned every
     * task from the lowest id (fails on the old statement: its payload was empty).
     */
    @Test
    void theWakeUpNamesTheReleasedStepsItDidNotClaimAndItsSender() throws Exception {
        TaskDefinition.Builder b = TaskDefinition.named("named");
        b.step("root", new Sleep(1));
        for (int i = 0; i < 5; i++) {
            b.step("leaf" + i, new Sleep(1)).dependsOn("root").runsOn("gpu"); // not this worker's: none claimed with root
        }
        Task task = ts.save(b.build());
        ts.submit(task.id());
        listen();
        try (Worker w = ts.worker(OPTIONS)) {
            await("root completed", Duration.ofSeconds(60), () -> titled(ts, task, "root").status() == StepStatus.COMPLETED);
            List<String> payloads = payloadsUpToAFence();
            int first = titled(ts, task, "leaf0").id();
            assertThat(titled(ts, task, "leaf4").id()).isEqualTo(first + 4);
            assertThat(payloads).containsExactly(first + "-" + (first + 4) + " " + w.id());
        }
    }

    private void listen() throws SQLException {
        listening = TestDatabase.dataSource().getConnection();
        try (Statement s = listening.createStatement()) {
            s.execute("LISTEN " + channel);
        }
    }

    /** Sends the fence from another connection and counts the notifications that arrive before it. */
    private int notificationsUpToAFence() throws Exception {
        return payloadsUpToAFence().size();
    }

    /**
     * Sends the fence from another connection; the payloads of the worker's notifications that arrive before it. A
     * worker's wake-up names its sender; a payload without one (empty, or ending in the space before it, as a submit's
     * naming its roots) is the test's own submit's, which PostgreSQL may still deliver to a listener that began listening
     * just after it committed (a new listener starts reading the queue where the other listeners of the database are): it
     * is left out (it failed this class 2 times in ~15).
     */
    private List<String> payloadsUpToAFence() throws Exception {
        try (Connection c = TestDatabase.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_notify('" + channel + "', '" + FENCE + "')");
        }
        List<String> seen = new ArrayList<>();
        PGConnection pg = listening.unwrap(PGConnection.class);
        await("the fence arrived", Duration.ofSeconds(30), () -> {
            PGNotification[] got = pg.getNotifications(100);
            if (got != null) {
                for (PGNotification n : got) {
                    seen.add(n.getParameter());
                }
            }
            return seen.contains(FENCE);
        });
        return seen.subList(0, seen.indexOf(FENCE)).stream().filter(p -> !p.isEmpty() && !p.endsWith(" ")).toList();
    }
}
