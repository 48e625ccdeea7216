package dev.tasksync;

import dev.tasksync.internal.engine.WorkerLoop;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.testing.Intercepted;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;

/**
 * How a worker records its outcomes (issue 16, throughput): completions that wait together are recorded in one
 * statement whatever their tasks, and a worker goes on with the steps its completions released before it
 * looks at other tasks.
 */
class WorkerBatchIT {
    /** Polls every ten minutes: the idle backstop never settles a task here, and only claims that go with outcomes take steps. */
    static final WorkerOptions SLOW_POLL = WorkerClaimAheadIT.OPTIONS.withPollInterval(Duration.ofMinutes(10));
    /** Gates by name: a {@code {"hold": {"gate": "a"}}} step waits until the test opens gate a (at most a minute). */
    final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    TaskSync ts;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new TestSteps.SleepType(), holdType(), firmType(), new TestSteps.FailType())
                .workerOptions(SLOW_POLL).build();
    }

    @AfterEach
    void close() {
        gates.values().forEach(CountDownLatch::countDown);
        ts.close();
    }

    private StepType<String> holdType() {
        return TestSteps.type("hold", v -> v.requireObject().field("gate").asString(), context -> {
            if (!gate(context.settings()).await(60, TimeUnit.SECONDS)) {
                return StepOutcome.failure("gate " + context.settings() + " stayed shut");
            }
            return StepOutcome.success();
        });
    }

    private CountDownLatch gate(String name) {
        return gates.computeIfAbsent(name, k -> new CountDownLatch(1));
    }

    private static StepSettings hold(String gate) {
        return StepSettings.of("hold", "{\"gate\": \"" + gate + "\"}");
    }

    @Test
    void completionsOfDifferentTasksThatWaitTogetherAreRecordedInOneStatement() throws Exception {
        // Four tasks of one step each, on one worker of four slots. The outcomes of the first two are held in their
        // statements, which takes both of the worker's recorders; the last two then end and wait together.
        List<Task> tasks = List.of("a1", "a2", "b", "b").stream().map(g -> ts.save(TaskDefinition.named("t-" + g + "-"
                + System.nanoTime()).step("s", hold(g)).build())).toList();
        AtomicInteger heldSoFar = new AtomicInteger();
        CountDownLatch held = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        DataSource holding = Intercepted.dataSource(TestDatabase.dataSource(), () -> (method, args) -> {
            if (method.equals("prepareStatement") && NamedQuery.is(String.valueOf(args[0]), "recordAndClaim")
                    && heldSoFar.incrementAndGet() <= 2) {
                held.countDown();
                release.await(60, TimeUnit.SECONDS);
            }
        }, null);
        try (TaskSync worker = TaskSync.builder().dataSource(holding).schema(ts.schema()).migrate(false)
                .stepType(holdType()).build();
             Worker w = worker.worker(SLOW_POLL.withConcurrency(4))) {
            tasks.forEach(t -> ts.submit(t.id()));
            await("all four steps claimed", Duration.ofSeconds(60), () -> w.claimed() == 4);
            gate("a1").countDown();
            await("the first outcome held", Duration.ofSeconds(60), () -> held.getCount() == 1);
            gate("a2").countDown();
            assertThat(held.await(60, TimeUnit.SECONDS)).as("both recorders hold an outcome").isTrue();
            gate("b").countDown();
            // s21: their threads queue them and go on (a worker records without waiting, as a run does)
            WorkerLoop loop = WorkerHintIT.loop(w);
            await("the last two outcomes wait for a recorder", Duration.ofSeconds(60), () -> loop.queuedOutcomes() == 2);
            release.countDown();
            await("every task completed", Duration.ofSeconds(60),
                    () -> tasks.stream().allMatch(t -> ts.task(t.id()).status().equals("completed")));
        } finally {
            release.countDown();
        }
        // One statement recorded both (one now()), though their steps are of two tasks; and it settled both tasks.
        var finished = Rows.query(ts, "SELECT s.task_id, s.finished_at FROM ${schema}.steps s WHERE s.task_id IN ("
                + tasks.get(2).id() + ", " + tasks.get(3).id() + ")");
        assertThat(finished).hasSize(2);
        assertThat(finished.get(0).get("finished_at")).isEqualTo(finished.get(1).get("finished_at"));
    }

    @Test
    void aWorkerGoesOnWithTheStepsItsCompletionsReleasedBeforeOtherTasks() throws Exception {
        // Task "other" is saved first: its step has the lowest id, which a claim of any task's steps takes first.
        Task other = ts.save(TaskDefinition.named("other").step("y", new TestSteps.Sleep(1)).build());
        var def = TaskDefinition.named("fan-out").step("root", new TestSteps.Sleep(1));
        for (int i = 1; i <= 3; i++) {
            def.step("x" + i, hold("x")).dependsOn("root");
        }
        Task task = ts.save(def.build());
        try (Worker w = ts.worker(SLOW_POLL.withConcurrency(1))) {
            ts.submit(task.id());
            // root's outcome claims x1 for the one slot; x2 and x3 are released and wait
            await("x1 runs", Duration.ofSeconds(60), () -> w.claimed() == 2);
            ts.submit(other.id());
            gate("x").countDown();
            await("both tasks completed", Duration.ofSeconds(60), () -> ts.task(task.id()).status().equals("completed")
                    && ts.task(other.id()).status().equals("completed"));
        }
        // x1's outcome claimed a step x1's task released before, not the other task's lower id.
        var next = Rows.query(ts, "SELECT s.task_id FROM ${schema}.step_runs r JOIN ${schema}.steps s ON s.id = r.step_id"
                + " WHERE r.started_at = (SELECT r1.finished_at FROM ${schema}.step_runs r1 JOIN ${schema}.steps s1 ON s1.id = r1.step_id"
                + " WHERE s1.task_id = " + task.id() + " AND s1.title = 'x1')");
        assertThat(next).singleElement().satisfies(r -> assertThat(r.get("task_id")).isEqualTo(task.id()));
    }

    @Test
    void aWorkerSettlesAFanOutOnceItsLastStepsAreRecordedNotWithEveryOutcome() throws Exception {
        // A fan-out of 60 steps on one worker of four slots, which claims ahead. Settling locks the task row and reads
        // every step of the task: done with each outcome that claimed nothing more of the task (most of them, once a
        // step is claimed ahead), every worker queued on that row (4 processes: 31 steps/s on 2,000 steps).
        var def = TaskDefinition.named("fan-out-settle").step("root", new TestSteps.Sleep(0));
        for (int i = 1; i <= 60; i++) {
            def.step("x" + i, new TestSteps.Sleep(0)).dependsOn("root");
        }
        Task task = ts.save(def.build());
        AtomicInteger settles = new AtomicInteger();
        AtomicInteger statements = new AtomicInteger();
        DataSource counting = Intercepted.dataSource(TestDatabase.dataSource(), () -> (method, args) -> {
            if (method.equals("prepareStatement") || method.equals("createStatement") || method.equals("commit")) {
                statements.incrementAndGet();
            }
            if (method.equals("prepareStatement") && NamedQuery.is(String.valueOf(args[0]), "settleStatus")) {
                settles.incrementAndGet();
            }
        }, null);
        try (TaskSync worker = TaskSync.builder().dataSource(counting).schema(ts.schema()).migrate(false)
                .stepType(new TestSteps.SleepType()).build();
             Worker w = worker.worker(SLOW_POLL.withConcurrency(4))) {
            ts.submit(task.id());
            await("the task completed", Duration.ofSeconds(60), () -> ts.task(task.id()).status().equals("completed"));
        }
        assertThat(ts.steps(task.id())).allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.COMPLETED));
        // At most one settle per slot: only an outcome after which the worker held no other step of the task, and no
        // step of it was left new or active, locks the task.
        assertThat(settles.get()).as("settle statements (%d statements in all for 61 steps)", statements.get()).isBetween(1, 4);
    }

    @Test
    void aOneSlotWorkerStartsNothingWhileItsOutcomeIsRecordedThoughItsThreadNoLongerWaits() throws Exception {
        // s21: a worker's step threads queue their outcomes and go on (as a run's), but a worker of one slot claims
        // nothing ahead: while a's outcome is being recorded (its statement held here), nothing else is claimed or
        // runs, and its steps stay strictly one after another.
        Task task = ts.save(TaskDefinition.named("ahead-" + System.nanoTime()).step("a", hold("a")).step("b", hold("b"))
                .step("c", hold("c")).step("d", hold("d")).build());
        CountDownLatch holdRecordings = new CountDownLatch(1);
        CountDownLatch recordingHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DataSource holding = Intercepted.dataSource(TestDatabase.dataSource(), () -> (method, args) -> {
            if (method.equals("prepareStatement") && holdRecordings.getCount() == 0
                    && (NamedQuery.is(String.valueOf(args[0]), "recordAndClaim")
                    || NamedQuery.is(String.valueOf(args[0]), "recordCompletions"))) {
                recordingHeld.countDown();
                release.await(60, TimeUnit.SECONDS);
            }
        }, null);
        try (TaskSync worker = TaskSync.builder().dataSource(holding).schema(ts.schema()).migrate(false)
                .stepType(holdType()).build();
             Worker w = worker.worker(SLOW_POLL.withConcurrency(1))) {
            ts.submit(task.id());
            await("a claimed", Duration.ofSeconds(60), () -> w.claimed() == 1);
            holdRecordings.countDown();
            gate("a").countDown();
            assertThat(recordingHeld.await(60, TimeUnit.SECONDS)).as("a's recording held").isTrue();
            // one slot: nothing claimed ahead, so nothing else runs while a's outcome is being recorded
            assertThat(w.claimed()).isEqualTo(1);
            release.countDown();
            gate("b").countDown();
            gate("c").countDown();
            gate("d").countDown();
            await("the task completed", Duration.ofSeconds(60), () -> ts.task(task.id()).status().equals("completed"));
        } finally {
            release.countDown();
        }
        // one slot: strictly one after another, each started once the one before it was recorded
        var runs = Rows.query(ts, "SELECT r.outcome, r.started_at >= coalesce(lag(r.finished_at) OVER (ORDER BY r.started_at),"
                + " r.started_at) AS after_the_one_before FROM ${schema}.step_runs r JOIN ${schema}.steps s ON s.id = r.step_id"
                + " WHERE s.task_id = " + task.id() + " ORDER BY r.started_at");
        assertThat(runs).hasSize(4).allSatisfy(r -> {
            assertThat(r.get("outcome")).isEqualTo("completed");
            assertThat(r.get("after_the_one_before")).isEqualTo(true);
        });
    }

    @Test
    void aWorkerOfFourSlotsRunsAFanOutAndAChainEachStepOnceAfterWhatItNeedsAndSettlesThem() throws Exception {
        // s21: outcomes recorded without their threads waiting, the look-ahead grown to 32 per slot. Every step
        // completes once, none starts before what it depends on was recorded, and the worker settles both tasks
        // itself (a ten-minute poll: no backstop here).
        var fan = TaskDefinition.named("fan-" + System.nanoTime()).step("root", new TestSteps.Sleep(0));
        for (int i = 1; i <= 300; i++) {
            fan.step("x" + i, new TestSteps.Sleep(0)).dependsOn("root");
        }
        fan.step("last", new TestSteps.Sleep(0)).dependsOn("x1", "x150", "x300");
        var chain = TaskDefinition.named("chain-" + System.nanoTime()).step("c0", new TestSteps.Sleep(0));
        for (int i = 1; i < 40; i++) {
            chain.step("c" + i, new TestSteps.Sleep(0)).dependsOn("c" + (i - 1));
        }
        Task a = ts.save(fan.build());
        Task b = ts.save(chain.build());
        try (Worker w = ts.worker(SLOW_POLL.withConcurrency(4))) {
            ts.submit(a.id());
            ts.submit(b.id());
            await("both tasks completed", Duration.ofSeconds(120), () -> ts.task(a.id()).status().equals("completed")
                    && ts.task(b.id()).status().equals("completed"));
            assertThat(w.claimed()).isEqualTo(302 + 40);
        }
        for (Task t : List.of(a, b)) {
            var runs = Rows.query(ts, "SELECT s.id, count(*) AS n, bool_and(r.outcome = 'completed') AS ok FROM ${schema}.steps s"
                    + " JOIN ${schema}.step_runs r ON r.step_id = s.id WHERE s.task_id = " + t.id() + " GROUP BY s.id");
            assertThat(runs).allSatisfy(r -> {
                assertThat(r.get("n")).isEqualTo(1L);
                assertThat(r.get("ok")).isEqualTo(true);
            });
            // no step's attempt started before an upstream step's attempt finished
            var early = Rows.query(ts, "SELECT d.step_id FROM ${schema}.step_dependencies d JOIN ${schema}.steps s ON s.id = d.step_id"
                    + " JOIN ${schema}.step_runs r ON r.step_id = d.step_id JOIN ${schema}.step_runs u ON u.step_id = d.depends_on_id"
                    + " WHERE s.task_id = " + t.id() + " AND r.started_at < u.finished_at");
            assertThat(early).isEmpty();
        }
    }

    /**
     * A listener that holds the thread of step {@code title} once its outcome is recorded (the thread is still one of
     * the runner's steps then: it leaves them only after the listener) until {@code letGo} opens.
     */
    private static RunListener holdingAfterRecording(String title, CountDownLatch recorded, CountDownLatch letGo) {
        return new RunListener() {
            @Override
            public void stepFinished(StepResult result) {
                if (result.title().equals(title)) {
                    recorded.countDown();
                    try {
                        letGo.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
    }

    @Test
    void theLastOutcomeOfATaskSettlesItWhileTheThreadOfAnEarlierRecordedOneIsStillBusy() throws Exception {
        // Steps a and b of one task on one worker of two slots. a is recorded while b runs, and leaves the settling to
        // b's recording; a's thread is then held after its recording, still one of the runner's steps. b's outcome,
        // the task's last, must settle the task: a is recorded, no longer held (the lost version skipped it here, and
        // with a ten-minute poll nothing else settles the task).
        assertTheLastOutcomeSettlesWhileAnEarlierThreadIsBusy(hold("a"), "completed");
    }

    @Test
    void theLastOutcomeOfATaskSettlesItWhileTheThreadOfAnEarlierFailedOneIsStillBusy() throws Exception {
        // As above, a failing for good: a failure is recorded by itself (Completer.fail), not in a batch.
        assertTheLastOutcomeSettlesWhileAnEarlierThreadIsBusy(TestSteps.fail("on purpose"), "failed");
    }

    private void assertTheLastOutcomeSettlesWhileAnEarlierThreadIsBusy(StepSettings a, String status) throws Exception {
        Task task = ts.save(TaskDefinition.named("gap-" + System.nanoTime()).step("a", a).step("b", hold("b")).build());
        CountDownLatch aRecorded = new CountDownLatch(1);
        CountDownLatch letAGo = new CountDownLatch(1);
        Worker w = ts.worker(SLOW_POLL.withConcurrency(2), holdingAfterRecording("a", aRecorded, letAGo));
        try {
            ts.submit(task.id());
            await("both steps claimed", Duration.ofSeconds(60), () -> w.claimed() == 2);
            gate("a").countDown();
            assertThat(aRecorded.await(60, TimeUnit.SECONDS)).as("a recorded, its thread held").isTrue();
            gate("b").countDown();
            await("the task settled", Duration.ofSeconds(60), () -> ts.task(task.id()).status().equals(status));
        } finally {
            letAGo.countDown();
            w.close();
        }
    }

    @Test
    void aTaskSettlesWhenItsOtherStepWasTakenOverElsewhereAndIsGivenBackHereAfterTheLastRecording() throws Exception {
        // Steps a and s of one task on one worker of two slots. s is taken over and completed elsewhere (as another
        // worker would, whose settling then still saw a active); this worker's heartbeat sees the lease lost and stops
        // s, whose thread stays busy. a is then recorded while s is still one of the runner's steps, and leaves the
        // settling to it. s's thread gives it back (a no-op: it is another's) and must settle the task, though
        // nothing of s counted here. (Before, giving a step back settled nothing: the task stayed active.)
        Task task = ts.save(TaskDefinition.named("taken-" + System.nanoTime()).step("a", hold("a"))
                .step("s", StepSettings.of("firm", "{\"gate\": \"s\"}")).build());
        int s = TestSteps.titled(ts, task, "s").id();
        CountDownLatch aRecorded = new CountDownLatch(1);
        try (Worker w = ts.worker(SLOW_POLL.withConcurrency(2), holdingAfterRecording("a", aRecorded, new CountDownLatch(0)))) {
            ts.submit(task.id());
            await("both steps claimed", Duration.ofSeconds(60), () -> w.claimed() == 2);
            Rows.execute(ts, "UPDATE ${schema}.steps SET status = 'completed', lease_owner = NULL, lease_expires_at = NULL,"
                    + " finished_at = now() WHERE id = " + s);
            assertThat(gate("s stopped").await(60, TimeUnit.SECONDS)).as("s stopped: its lease lost").isTrue();
            gate("a").countDown();
            assertThat(aRecorded.await(60, TimeUnit.SECONDS)).as("a recorded, its task settled or left to s").isTrue();
            gate("s").countDown();
            await("the task completed", Duration.ofSeconds(60), () -> ts.task(task.id()).status().equals("completed"));
        }
    }

    /** {@code {"firm": {"gate": "s"}}}: waits for gate s; stopped meanwhile, opens gate "s stopped", waits on and fails. */
    private StepType<String> firmType() {
        return TestSteps.type("firm", v -> v.requireObject().field("gate").asString(), context -> {
            CountDownLatch gate = gate(context.settings());
            try {
                return gate.await(60, TimeUnit.SECONDS) ? StepOutcome.success() : StepOutcome.failure("gate stayed shut");
            } catch (InterruptedException e) {
                gate(context.settings() + " stopped").countDown();
                boolean opened = false;
                while (!opened) {
                    try {
                        gate.await(60, TimeUnit.SECONDS);
                        opened = true;
                    } catch (InterruptedException again) {
                        // stopped once already: stay busy until the test opens the gate
                    }
                }
                return StepOutcome.failure("stopped");
            }
        });
    }
}
