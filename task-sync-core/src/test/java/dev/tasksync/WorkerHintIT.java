package dev.tasksync;

import dev.tasksync.internal.engine.WorkerLoop;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Sleep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import static dev.tasksync.testing.Awaits.await;
import static dev.tasksync.testing.TestSteps.titled;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker woken by another worker's outcomes claims the steps the wake-up names (they released
 * them), not whichever claimable step has the lowest id. Before, only the worker that recorded a fan-out's root knew
 * which steps it released; every other worker scanned every task from the lowest id, and 2 or 4 worker processes did
 * fewer steps per second than one.
 */
class WorkerHintIT {
    TaskSync ts;
    TestSteps.GateType gate;
    String channel;

    @BeforeEach
    void open() {
        String schema = TestDatabase.newSchema();
        gate = new TestSteps.GateType();
        ts = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema).stepType(new TestSteps.SleepType(), gate).build();
        channel = "tasksync_" + schema.toLowerCase(Locale.ROOT);
    }

    @AfterEach
    void close() {
        gate.open.countDown();
        ts.close();
    }

    /**
     * Fails on the old worker: it claimed the decoy, the claimable step with the lowest id. A wake-up of the worker's
     * own (naming the decoy) adds nothing: it knows the steps it released.
     */
    @Test
    void aWorkerClaimsTheStepsAnotherWorkersWakeUpNamedBeforeAnyOtherClaimableStep() throws Exception {
        Task busy = ts.save(TaskDefinition.named("busy").step("gate", TestSteps.gate()).step("decoy", new Sleep(1)).build());
        Task named = ts.save(TaskDefinition.named("named").step("n0", new Sleep(1)).step("n1", new Sleep(1))
                .step("n2", new Sleep(1)).build());
        // one slot, and no polling in the test's time: it claims when woken, or when its step ends
        WorkerOptions one = WorkerIT.FAST.withConcurrency(1).withPollInterval(Duration.ofMinutes(5));
        ts.submit(busy.id());
        // claimable now, and all of higher ids than the decoy; submitted before the worker listens (a submit's
        // wake-up names the steps it made runnable, and this test is about another worker's)
        ts.submit(named.id());
        try (Worker w = ts.worker(one)) {
            await("the gate started", Duration.ofSeconds(60), () -> gate.started.get() == 1);
            int n1 = titled(ts, named, "n1").id();
            try (Connection c = TestDatabase.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_notify('" + channel + "', '" + n1 + " another-worker')"); // as another worker's outcome would
                s.execute("SELECT pg_notify('" + channel + "', '" + titled(ts, busy, "decoy").id() + " " + w.id() + "')");
            }
            WorkerLoop loop = loop(w);
            await("the wake-up was read", Duration.ofSeconds(30), () -> loop.remembered() == 1);
            gate.open.countDown(); // the gate's recording claims the next step for its slot

            await("a second step claimed", Duration.ofSeconds(60), () -> claimedBy(w).size() >= 2);
            assertThat(claimedBy(w).get(1)).as("the step claimed with the gate's outcome").isEqualTo("n1");
        }
    }

    /**
     * A submit's wake-up names the steps it made runnable that wait for none of the others (here the
     * root, not its dependent), and a worker claims those by id before any other claimable step. It used to be empty, and
     * the first claim after a submit scanned every task's new steps from the lowest id: on a 2,000-step fan-out all
     * 1,999 waiting for the root (11-74 ms). Fails on the old submit: nothing is remembered from its wake-up, and the
     * gate's recording claims the decoy, the claimable step with the lowest id.
     */
    @Test
    void aWorkerClaimsTheRootsASubmitsWakeUpNamedBeforeAnyOtherClaimableStep() throws Exception {
        Task busy = ts.save(TaskDefinition.named("busy").step("gate", TestSteps.gate()).step("decoy", new Sleep(1)).build());
        Task submitted = ts.save(TaskDefinition.named("submitted").step("root", new Sleep(1))
                .step("after", new Sleep(1)).dependsOn("root").build());
        WorkerOptions one = WorkerIT.FAST.withConcurrency(1).withPollInterval(Duration.ofMinutes(5));
        ts.submit(busy.id());
        try (Worker w = ts.worker(one)) {
            await("the gate started", Duration.ofSeconds(60), () -> gate.started.get() == 1);
            WorkerLoop loop = loop(w);
            ts.submit(submitted.id()); // its wake-up names "root" only: "after" waits for it
            await("the submit's wake-up was read", Duration.ofSeconds(30), () -> loop.remembered() == 1);
            gate.open.countDown(); // the gate's recording claims the next step for its slot

            await("a second step claimed", Duration.ofSeconds(60), () -> claimedBy(w).size() >= 2);
            assertThat(claimedBy(w).get(1)).as("the step claimed with the gate's outcome").isEqualTo("root");
        }
    }

    /** The titles of the steps {@code w} claimed, in the order it claimed them. */
    private List<String> claimedBy(Worker w) {
        return Rows.query(ts, "SELECT s.title FROM ${schema}.step_runs r JOIN ${schema}.steps s ON s.id = r.step_id"
                + " WHERE r.worker_id = '" + w.id() + "' ORDER BY r.id").stream().map(r -> (String) r.get("title")).toList();
    }

    static WorkerLoop loop(Worker w) throws ReflectiveOperationException {
        Field f = Worker.class.getDeclaredField("loop");
        f.setAccessible(true);
        return (WorkerLoop) f.get(w);
    }

}
