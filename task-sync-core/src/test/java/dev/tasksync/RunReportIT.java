package dev.tasksync;

import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Sleep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.time.OffsetDateTime;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;
import static dev.tasksync.testing.TestSteps.titled;

/** What a run tells about its steps: up to date, executed here, executed by a worker meanwhile (and by whom). */
class RunReportIT {
    final TestSteps.GateType gate = new TestSteps.GateType();
    TaskSync ts;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new TestSteps.SleepType(), gate).workerOptions(WorkerIT.FAST).build();
    }

    @AfterEach
    void close() {
        gate.open.countDown();
        ts.close();
    }

    /** A second TaskSync on the same schema, as another process would be. */
    private TaskSync other() {
        return TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(ts.schema()).migrate(false)
                .stepType(new TestSteps.SleepType(), gate).workerOptions(WorkerIT.FAST).build();
    }

    private String fingerprint(int stepId) {
        return (String) Rows.query(ts, "SELECT fingerprint FROM ${schema}.steps WHERE id = " + stepId).get(0).get("fingerprint");
    }

    /** Collects what a run tells its listener. */
    static final class Heard implements RunListener {
        final List<Integer> upToDate = new CopyOnWriteArrayList<>();
        final List<String> reasons = new CopyOnWriteArrayList<>();
        final List<Integer> started = new CopyOnWriteArrayList<>();
        final List<StepResult> finished = new CopyOnWriteArrayList<>();
        final Map<Integer, String> waitedFor = new ConcurrentHashMap<>();
        final CountDownLatch waiting = new CountDownLatch(1);

        @Override
        public void stepUpToDate(int stepId, String title, String reason) {
            upToDate.add(stepId);
            reasons.add(reason);
        }

        @Override
        public void stepStarted(int stepId, String title) {
            started.add(stepId);
        }

        @Override
        public void stepFinished(StepResult result) {
            finished.add(result);
        }

        @Override
        public void waitingForLease(int stepId, String title, String owner, OffsetDateTime until) {
            waitedFor.put(stepId, owner);
            waiting.countDown();
        }
    }

    @Test
    void aListenerHearsOfEveryStepTheRunLeavesUpToDate() {
        Task task = ts.save(TaskDefinition.named("up-to-date")
                .step("a", new Sleep(1)).step("b", new Sleep(1)).dependsOn("a").step("c", new Sleep(1)).build());
        Heard first = new Heard();
        ts.run(task.id(), RunOptions.defaults().withListener(first));
        assertThat(first.upToDate).isEmpty();
        assertThat(first.started).hasSize(3);

        Heard second = new Heard();
        RunResult again = ts.run(task.id(), RunOptions.defaults().withListener(second));
        assertThat(second.upToDate).containsExactly(titled(ts, task, "a").id(), titled(ts, task, "b").id(), titled(ts, task, "c").id());
        assertThat(second.reasons).containsOnly("up to date");
        assertThat(second.started).isEmpty();
        assertThat(again.steps()).allSatisfy(s -> assertThat(s.executedBy()).isNull());

        ts.resetStep(titled(ts, task, "b").id());
        Heard third = new Heard();
        ts.run(task.id(), RunOptions.defaults().withListener(third));
        assertThat(third.upToDate).containsExactly(titled(ts, task, "a").id(), titled(ts, task, "c").id());
        assertThat(third.started).containsExactly(titled(ts, task, "b").id());
    }

    @Test
    void stepsAWorkerExecutesWhileTheRunWaitsAreReportedAsExecutedThereWithTheWorkersId() throws Exception {
        Task task = ts.save(TaskDefinition.named("shared")
                .step("held", TestSteps.gate()).step("here", new Sleep(1)).build());
        int held = titled(ts, task, "held").id();
        int here = titled(ts, task, "here").id();
        try (TaskSync elsewhere = other();
             Worker worker = elsewhere.worker(WorkerIT.FAST.withConcurrency(1))) {
            ts.submit(task.id());
            await("the worker holds 'held'", Duration.ofSeconds(20), () -> titled(ts, task, "held").status() == StepStatus.ACTIVE);
            // The worker holds its only slot: 'here' is left to the run.
            Heard heard = new Heard();
            CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> ts.run(task.id(), RunOptions.defaults().withListener(heard)));
            assertThat(heard.waiting.await(20, TimeUnit.SECONDS)).as("the run waits for the worker").isTrue();
            gate.open.countDown();
            RunResult result = run.get(30, TimeUnit.SECONDS);

            assertThat(result.succeeded()).as(result.toString()).isTrue();
            StepResult h = result.step("held").orElseThrow();
            assertThat(h.executed()).isFalse();
            assertThat(h.executedElsewhere()).isTrue();
            assertThat(h.executedBy()).isEqualTo(worker.id());
            StepResult mine = result.step("here").orElseThrow();
            assertThat(mine.executed()).isTrue();
            assertThat(mine.executedBy()).isNotNull().isNotEqualTo(worker.id());
            assertThat(ts.history(here).get(0).workerId()).isEqualTo(mine.executedBy());

            assertThat(heard.waitedFor).containsEntry(held, worker.id());
            assertThat(heard.started).containsExactly(here);
            // Each step's end is told once: the worker's with its id.
            assertThat(heard.finished).extracting(StepResult::stepId).containsExactlyInAnyOrder(held, here);
            StepResult told = heard.finished.stream().filter(r -> r.stepId() == held).findFirst().orElseThrow();
            assertThat(told.status()).isEqualTo(StepStatus.COMPLETED);
            assertThat(told.executedElsewhere()).isTrue();
            assertThat(told.executedBy()).isEqualTo(worker.id());
        }
    }

    @Test
    void aStepResetWaitsForASubmitAndAWorkerThenRecordsTheFingerprintARunRecords() throws Exception {
        Task task = ts.save(TaskDefinition.named("reset")
                .step("a", new Sleep(1)).step("b", new Sleep(1)).dependsOn("a").build());
        int a = titled(ts, task, "a").id();
        int b = titled(ts, task, "b").id();
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        String inProcessA = fingerprint(a);
        String inProcessB = fingerprint(b);
        assertThat(inProcessA).isNotNull();

        try (TaskSync elsewhere = other(); Worker worker = elsewhere.worker(WorkerIT.FAST)) {
            ts.resetStep(a);
            // Another task's submit wakes the worker, and its claim scans every task: the reset step is not claimable yet.
            Task poke = ts.save(TaskDefinition.named("poke").step("p", new Sleep(1)).build());
            ts.submit(poke.id());
            await("the other task ran", Duration.ofSeconds(20), () -> ts.task(poke.id()).status().equals("completed"));
            assertThat(ts.step(a).status()).as("a reset step waits for a submit").isEqualTo(StepStatus.NEW);

            ts.submit(task.id());
            await("the worker ran the task", Duration.ofSeconds(20), () -> ts.task(task.id()).status().equals("completed"));
            List<StepRun> runs = ts.history(a);
            assertThat(runs.get(runs.size() - 1).workerId()).isEqualTo(worker.id());
        }
        assertThat(fingerprint(a)).isEqualTo(inProcessA);
        assertThat(fingerprint(b)).isEqualTo(inProcessB);
        assertThat(ts.plan(task.id()).steps()).allSatisfy(p -> {
            assertThat(p.willRun()).isFalse();
            assertThat(p.reason()).isEqualTo("up to date");
        });
    }
}
