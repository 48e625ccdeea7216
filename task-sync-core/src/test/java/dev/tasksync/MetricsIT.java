package dev.tasksync;

import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Sleep;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.tasksync.WorkerIT.FAST;
import static dev.tasksync.testing.Awaits.await;
import static org.assertj.core.api.Assertions.assertThat;

/** TaskSync.builder().meterRegistry(..): what the engine reports to Micrometer, counted after real runs. */
class MetricsIT {
    SimpleMeterRegistry registry;
    TaskSync ts;

    @BeforeEach
    void open() {
        registry = new SimpleMeterRegistry();
        ts = TestDatabase.builder()
                .stepType(new TestSteps.SleepType(), new TestSteps.FailType())
                .workerOptions(FAST)
                .meterRegistry(registry, Duration.ZERO)
                .build();
    }

    @AfterEach
    void close() {
        ts.close();
    }

    private double attempts(String type, String outcome) {
        var counter = registry.find("tasksync.steps.attempts").tags("type", type, "outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private double steps(String status) {
        return registry.get("tasksync.steps").tag("status", status).gauge().value();
    }

    private double counter(String name) {
        return registry.get(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void aRunWithAPassingAndAFailingStepIsCountedByTypeAndOutcome() {
        Task task = ts.save(TaskDefinition.named("metrics")
                .step("pass", new Sleep(30))
                .step("fail", TestSteps.fail("no"))
                .step("after", new Sleep(1)).dependsOn("fail")
                .build());
        RunResult run = ts.run(task.id());
        assertThat(run.succeeded()).isFalse();

        assertThat(attempts("sleep", "completed")).isEqualTo(1);
        assertThat(attempts("fail", "failed")).isEqualTo(1);
        assertThat(registry.find("tasksync.steps.attempts").counters()).hasSize(2); // "after" was skipped, not attempted
        Timer sleeps = registry.get("tasksync.steps.duration").tags("type", "sleep", "outcome", "completed").timer();
        assertThat(sleeps.count()).isEqualTo(1);
        assertThat(sleeps.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(30); // it slept that long at least
        assertThat(registry.get("tasksync.steps.duration").tags("type", "fail").timer().count()).isEqualTo(1);
        assertThat(registry.get("tasksync.steps.claim.latency").timers().stream().mapToLong(Timer::count).sum()).isEqualTo(2);

        assertThat(steps("completed")).isEqualTo(1);
        assertThat(steps("failed")).isEqualTo(1);
        assertThat(steps("skipped")).isEqualTo(1);
        assertThat(steps("new")).isZero();
        assertThat(counter("tasksync.leases.taken.over")).isZero();
        assertThat(counter("tasksync.leases.lost")).isZero();
        assertThat(counter("tasksync.db.retries")).isZero();

        // Run again: the completed step is up to date (not attempted), the failed one is tried once more.
        ts.run(task.id());
        assertThat(attempts("sleep", "completed")).isEqualTo(1);
        assertThat(attempts("fail", "failed")).isEqualTo(2);
    }

    @Test
    void theStatusGaugesReadTheDatabaseAtMostOncePerRefresh() {
        SimpleMeterRegistry cached = new SimpleMeterRegistry();
        try (TaskSync slow = TestDatabase.builder().stepType(new TestSteps.SleepType())
                .meterRegistry(cached, Duration.ofHours(1)).build()) {
            slow.save(TaskDefinition.named("one").step("a", new Sleep(1)).build());
            assertThat(cached.get("tasksync.steps").tag("status", "new").gauge().value()).isEqualTo(1);
            slow.save(TaskDefinition.named("two").step("b", new Sleep(1)).build());
            // Within the refresh interval every gauge answers from the counts read once.
            assertThat(cached.get("tasksync.steps").tag("status", "new").gauge().value()).isEqualTo(1);
        }
        // With no interval (this test's main registry), a read sees the database as it is now.
        ts.save(TaskDefinition.named("three").step("c", new Sleep(1)).step("d", new Sleep(1)).build());
        assertThat(steps("new")).isEqualTo(2);
    }

    @Test
    void aStepTakenOverFromADeadWorkerIsCounted() throws Exception {
        Task task = ts.save(TaskDefinition.named("orphan").step("s", new Sleep(1)).build());
        Step s = ts.steps(task.id()).get(0);
        ts.submit(task.id());
        Rows.orphan(ts, s.id());
        try (Worker w = ts.worker(FAST)) {
            await("step completed", Duration.ofSeconds(30), () -> ts.step(s.id()).status() == StepStatus.COMPLETED);
            await("attempt counted", Duration.ofSeconds(30), () -> attempts("sleep", "completed") == 1);
        }
        assertThat(counter("tasksync.leases.taken.over")).isEqualTo(1);
    }

    @Test
    void aLeaseLostWhileTheStepRunsIsCounted() throws Exception {
        Task task = ts.save(TaskDefinition.named("stolen").step("long", new Sleep(600_000)).build());
        Step s = ts.steps(task.id()).get(0);
        try (Worker w = ts.worker(FAST)) {
            ts.submit(task.id());
            await("step active", Duration.ofSeconds(30), () -> ts.step(s.id()).status() == StepStatus.ACTIVE);
            // Another worker holds it now: this one's next heartbeat finds its lease gone and stops the step.
            Rows.execute(ts, "UPDATE ${schema}.steps SET lease_owner = 'thief' WHERE id = " + s.id());
            await("lease lost counted", Duration.ofSeconds(30), () -> counter("tasksync.leases.lost") == 1);
        }
        assertThat(attempts("sleep", "abandoned")).isEqualTo(1);
        assertThat(attempts("sleep", "completed")).isZero();
    }
}
