package dev.tasksync;

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
import java.util.Arrays;
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
        ts = TestDatabase.builder().stepType(new TestSteps.SleepType(), holdType()).workerOptions(SLOW_POLL).build();
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
            await("the last two outcomes wait for a recorder", Duration.ofSeconds(60), () -> waitingForARecorder() == 2);
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

    /** Threads of this JVM waiting in a Completer to record their outcome while others record. */
    private static long waitingForARecorder() {
        return Thread.getAllStackTraces().values().stream().filter(stack -> {
            List<String> frames = Arrays.stream(stack).map(f -> f.getClassName() + "." + f.getMethodName()).toList();
            return frames.contains("dev.tasksync.internal.engine.Completer.complete")
                    && frames.contains("java.util.concurrent.Semaphore.acquireUninterruptibly");
        }).count();
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
}
