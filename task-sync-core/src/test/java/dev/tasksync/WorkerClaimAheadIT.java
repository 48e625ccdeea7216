package dev.tasksync;

import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Sleep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;
import static dev.tasksync.testing.TestSteps.independentSleeps;
import static dev.tasksync.testing.TestSteps.titled;

/**
 * A worker claims ahead of its slots when it records an outcome (issue 16, throughput): the next steps start
 * as soon as a slot frees, without waiting for the commit of the outcome before them. Its own claims
 * (woken by a notification, or polling) take free slots only, so that workers share new work.
 */
class WorkerClaimAheadIT {
    /** Leases long enough that a loaded machine does not lose one while the test looks (WorkerIT's expire in 1.5 s). */
    static final WorkerOptions OPTIONS = WorkerIT.FAST.withLease(Duration.ofSeconds(30), Duration.ofSeconds(1));
    TaskSync ts;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new TestSteps.SleepType()).workerOptions(OPTIONS).build();
    }

    @AfterEach
    void close() {
        ts.close();
    }

    @Test
    void theRecordingOfAnOutcomeClaimsOneStepPerSlotAhead() throws Exception {
        var def = TaskDefinition.named("fan-out");
        def.step("root", new Sleep(1));
        for (int i = 0; i < 6; i++) {
            def.step("s" + i, new Sleep(600_000)).dependsOn("root");
        }
        Task task = ts.save(def.build());
        try (Worker w = ts.worker(OPTIONS.withConcurrency(2))) {
            ts.submit(task.id());
            // root's recording claims its dependents for the two slots and two places ahead (one slot may be taken
            // meanwhile by the worker's own claim, which finds nothing runnable before root is recorded): more
            // steps are active than the worker has slots, never more than slots + places ahead
            await("more dependents claimed than slots", Duration.ofSeconds(60),
                    () -> statuses(task).getOrDefault("active", 0L) > 2);
            int rootId = titled(ts, task, "root").id();
            var runs = Rows.query(ts, "SELECT r.worker_id, r.started_at = (SELECT finished_at FROM ${schema}.step_runs WHERE step_id = "
                    + rootId + ") AS with_root FROM ${schema}.step_runs r JOIN ${schema}.steps s ON s.id = r.step_id"
                    + " WHERE s.status = 'active'");
            assertThat(runs).hasSizeBetween(3, 4).allSatisfy(r -> assertThat(r.get("worker_id")).isEqualTo(w.id()));
            // opened by the statement that recorded root (one now()): it claimed more than one per slot
            assertThat(runs.stream().filter(r -> Boolean.TRUE.equals(r.get("with_root")))).hasSizeGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void workersWokenTogetherShareNewStepsByTheirFreeSlots() throws Exception {
        Task task = ts.save(independentSleeps("independent", 4, 600_000));
        try (Worker a = ts.worker(OPTIONS.withConcurrency(2)); Worker b = ts.worker(OPTIONS.withConcurrency(2))) {
            ts.submit(task.id());
            await("every step claimed", Duration.ofSeconds(60), () -> a.claimed() + b.claimed() == 4);
            assertThat(a.claimed()).isEqualTo(2);
            assertThat(b.claimed()).isEqualTo(2);
        }
    }

    private Map<String, Long> statuses(Task task) {
        return ts.steps(task.id()).stream().collect(Collectors.groupingBy(s -> s.status().dbValue(), Collectors.counting()));
    }
}
