package dev.tasksync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.steps.FileExists;
import dev.tasksync.testing.Intercepted;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Sleep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assertions;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;
import static dev.tasksync.testing.TestSteps.independentSleeps;

class EngineIT {
    @TempDir
    Path dir;
    TestSteps.SleepType sleep;
    TaskSync ts;

    @BeforeEach
    void open() {
        sleep = new TestSteps.SleepType();
        ts = TestDatabase.builder().stepType(sleep, new TestSteps.FailType()).build();
    }

    @AfterEach
    void close() {
        ts.close();
    }

    /** Opens {@link #ts} again, on a fresh schema, with these step types beside sleep and fail. */
    private void reopen(WorkerOptions options, StepType<?>... more) {
        ts.close();
        var builder = TestDatabase.builder().stepType(sleep, new TestSteps.FailType()).stepType(more);
        ts = (options == null ? builder : builder.workerOptions(options)).build();
    }

    private List<StepStatus> statuses(Task task) {
        return ts.steps(task.id()).stream().map(Step::status).toList();
    }

    /** A task of {@code n} independent steps that each sleep {@code millis}. */

    private static long start(StepResult r) {
        return r.results().get("start_nanos").asLong();
    }

    private static long end(StepResult r) {
        return r.results().get("end_nanos").asLong();
    }

    @Test
    void stepsRunInDependencyOrder() {
        Task task = ts.save(TaskDefinition.named("chain")
                .step("c", new Sleep(5)).dependsOn("b")
                .step("a", new Sleep(5))
                .step("b", new Sleep(5)).dependsOn("a")
                .build());
        List<String> started = new CopyOnWriteArrayList<>();
        RunResult r = ts.run(task.id(), RunOptions.defaults().withConcurrency(4).withListener(new RunListener() {
            @Override
            public void stepStarted(int stepId, String title) {
                started.add(title);
            }
        }));
        assertThat(r.succeeded()).isTrue();
        assertThat(started).containsExactly("a", "b", "c");
        assertThat(end(r.step("a").orElseThrow())).isLessThanOrEqualTo(start(r.step("b").orElseThrow()));
        assertThat(end(r.step("b").orElseThrow())).isLessThanOrEqualTo(start(r.step("c").orElseThrow()));
        assertThat(r.step("c").orElseThrow().results().get("upstream").asInt()).isEqualTo(2);
        assertThat(ts.task(task.id()).status()).isEqualTo("completed");
    }

    @Test
    void independentStepsOverlapAndTheirDependentWaitsForBoth() {
        TestSteps.MeetType meet = new TestSteps.MeetType(2); // left and right complete only by running at once
        reopen(null, meet);
        Task task = ts.save(TaskDefinition.named("fan-in")
                .step("left", TestSteps.meet())
                .step("right", TestSteps.meet())
                .step("join", new Sleep(1)).dependsOn("left", "right")
                .build());
        RunResult r = ts.run(task.id(), RunOptions.defaults().withConcurrency(2));
        assertThat(r.succeeded()).isTrue();
        assertThat(meet.maxRunning.get()).isEqualTo(2);
        StepResult left = r.step("left").orElseThrow();
        StepResult right = r.step("right").orElseThrow();
        StepResult join = r.step("join").orElseThrow();
        assertThat(start(join)).isGreaterThanOrEqualTo(Math.max(end(left), end(right)));
    }

    @Test
    void concurrencyBoundIsHonoured() {
        TestSteps.MeetType meet = new TestSteps.MeetType(3); // each step completes only once three run at once
        reopen(null, meet);
        var def = TaskDefinition.named("wide");
        for (int i = 0; i < 9; i++) {
            def.step("s" + i, TestSteps.meet());
        }
        RunResult r = ts.run(ts.save(def.build()).id(), RunOptions.defaults().withConcurrency(3));
        assertThat(r.succeeded()).isTrue();
        assertThat(meet.maxRunning.get()).isEqualTo(3);
    }

    @Test
    void aCompletionStartsTheStepItReleasedInTheSameTransaction() {
        Task task = ts.save(TestSteps.sleepChain("handoff", 6));
        assertThat(ts.run(task.id()).succeeded()).isTrue();
        // Both timestamps are the recording transaction's now(): equal only when one transaction
        // recorded the step before and claimed the next one.
        List<Map<String, Object>> runs = Rows.query(ts, "SELECT s.title, r.started_at, r.finished_at FROM ${schema}.step_runs r "
                + "JOIN ${schema}.steps s ON s.id = r.step_id ORDER BY s.id");
        assertThat(runs).hasSize(6);
        for (int i = 1; i < runs.size(); i++) {
            assertThat(runs.get(i).get("started_at")).as("start of %s", runs.get(i).get("title"))
                    .isEqualTo(runs.get(i - 1).get("finished_at"));
        }
    }

    @Test
    void stepsThatFinishTogetherAreRecordedTogether() {
        // All 24 start in one claim. The first recordings (at most two record at a time) are held until every step's
        // body has returned, so the rest queue behind them and go together: timing decides nothing (on a quiet machine
        // 24 sleeps ending "together" were each recorded alone often enough to fail this test).
        DataSource held = Intercepted.dataSource(TestDatabase.dataSource(), () -> (method, args) -> {
            if (method.equals("prepareStatement") && (NamedQuery.is(String.valueOf(args[0]), "recordAndClaim")
                    || NamedQuery.is(String.valueOf(args[0]), "recordCompletions"))) {
                await("every step's body returned", () -> sleep.started.get() == 24 && sleep.running.get() == 0);
            }
        }, null);
        Task task = ts.save(independentSleeps("together", 24, 50));
        try (TaskSync recordingHeld = TaskSync.builder().dataSource(held).schema(ts.schema()).migrate(false)
                .stepType(sleep).build()) {
            RunResult r = recordingHeld.run(task.id(), RunOptions.defaults().withConcurrency(24));
            assertThat(r.succeeded()).isTrue();
        }
        assertThat(sleep.maxRunning.get()).isLessThanOrEqualTo(24);
        // Attempts closed by one transaction share its now(): more attempts than distinct end times.
        var ends = Rows.query(ts, "SELECT count(*) AS attempts, count(DISTINCT finished_at) AS ends FROM ${schema}.step_runs "
                + "WHERE outcome = 'completed'");
        assertThat(((Number) ends.get(0).get("attempts")).intValue()).isEqualTo(24);
        assertThat(((Number) ends.get(0).get("ends")).intValue()).isLessThan(24);
    }

    @Test
    void aStepsThreadGoesOnWithTheStepClaimedAheadWhileItsOutcomeWaitsToBeRecorded() {
        // 4 slots and 4 places ahead: the run's first claim takes 8 of the 16 steps. Every recording is held
        // until all 8 have run. Only the two recorders' threads wait for the database; a step's thread that finds both
        // taken goes on with a step claimed ahead itself. Before, every ended step's thread waited for its own
        // recording and each step claimed ahead started on another thread: 8 threads for the first 8 steps.
        DataSource held = Intercepted.dataSource(TestDatabase.dataSource(), () -> (method, args) -> {
            if (method.equals("prepareStatement") && (NamedQuery.is(String.valueOf(args[0]), "recordAndClaim")
                    || NamedQuery.is(String.valueOf(args[0]), "recordCompletions"))) {
                await("the first 8 steps ran", () -> sleep.started.get() >= 8 && sleep.running.get() == 0);
            }
        }, null);
        Task task = ts.save(independentSleeps("going-on", 16, 1));
        List<String> threads = new CopyOnWriteArrayList<>();
        List<Integer> finishedBeforeStart = new CopyOnWriteArrayList<>();
        Map<Integer, Boolean> finished = new java.util.concurrent.ConcurrentHashMap<>();
        try (TaskSync recordingHeld = TaskSync.builder().dataSource(held).schema(ts.schema()).migrate(false)
                .stepType(sleep).build()) {
            RunResult r = recordingHeld.run(task.id(), RunOptions.defaults().withConcurrency(4).withListener(new RunListener() {
                @Override
                public void stepStarted(int stepId, String title) {
                    threads.add(Thread.currentThread().getName());
                    if (finished.containsKey(stepId)) {
                        finishedBeforeStart.add(stepId);
                    }
                }

                @Override
                public void stepFinished(StepResult result) {
                    finished.put(result.stepId(), true);
                }
            }));
            assertThat(r.succeeded()).isTrue();
            assertThat(r.count(StepStatus.COMPLETED)).isEqualTo(16);
        }
        assertThat(threads).hasSize(16);
        assertThat(finishedBeforeStart).isEmpty();
        assertThat(Set.copyOf(threads.subList(0, 8))).as("threads of the first 8 steps").hasSizeLessThanOrEqualTo(4 + 2);
        assertThat(sleep.maxRunning.get()).isLessThanOrEqualTo(4);
        assertThat(finished).hasSize(16);
    }

    @Test
    void aRunsListenerHearsEachStepEndAfterItStartedAndBeforeTheStepsItsRecordingReleasedStart() {
        var def = TaskDefinition.named("events").step("root", new Sleep(1));
        List<String> leaves = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            def.step("leaf" + i, new Sleep(0)).dependsOn("root");
            leaves.add("leaf" + i);
        }
        def.step("join", new Sleep(0)).dependsOn(leaves.toArray(String[]::new));
        Task task = ts.save(def.build());
        List<String> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        RunResult r = ts.run(task.id(), RunOptions.defaults().withConcurrency(4).withListener(new RunListener() {
            @Override
            public void stepStarted(int stepId, String title) {
                events.add("start " + title);
            }

            @Override
            public void stepFinished(StepResult result) {
                events.add("end " + result.title());
                assertThat(result.status()).isEqualTo(StepStatus.COMPLETED); // its outcome is committed when it is heard
            }
        }));
        assertThat(r.succeeded()).isTrue();
        assertThat(events).hasSize(2 * 42);
        assertThat(events.indexOf("end root")).isGreaterThan(events.indexOf("start root"));
        for (String leaf : leaves) {
            // root's recording released the leaves: they start only after it was heard
            assertThat(events.indexOf("start " + leaf)).as(leaf).isGreaterThan(events.indexOf("end root"));
            assertThat(events.indexOf("end " + leaf)).as(leaf).isGreaterThan(events.indexOf("start " + leaf));
        }
        // join was released by the recording of the last leaves, heard before it started. A leaf that the other
        // recorder committed just before may be heard later, even after join ended: the guarantee is per recording.
        int startJoin = events.indexOf("start join");
        assertThat(events.subList(0, startJoin)).as("a leaf's end heard before join starts")
                .anyMatch(e -> e.startsWith("end leaf"));
        assertThat(events.indexOf("end join")).isGreaterThan(startJoin);
    }

    @Test
    void stepsReleasedTogetherStillRespectTheConcurrencyBound() {
        var def = TaskDefinition.named("fan-out").step("root", new Sleep(1));
        for (int i = 0; i < 30; i++) {
            def.step("leaf" + i, new Sleep(20)).dependsOn("root");
        }
        Task task = ts.save(def.build());
        RunResult r = ts.run(task.id(), RunOptions.defaults().withConcurrency(3));
        assertThat(r.succeeded()).isTrue();
        assertThat(sleep.maxRunning.get()).isEqualTo(3);
        assertThat(Rows.query(ts, "SELECT step_id FROM ${schema}.step_runs")).hasSize(31);
    }

    @Test
    void aRunClaimsStepsAheadOfItsSlotsAndReportsTheirOwnDurations() throws Exception {
        TestSteps.GateType gate = new TestSteps.GateType();
        reopen(null, gate);
        Task task = ts.save(TaskDefinition.named("ahead")
                .step("first", TestSteps.gate())
                .step("second", new Sleep(1))
                .step("third", new Sleep(1))
                .build());
        var run = CompletableFuture.supplyAsync(() -> ts.run(task.id(), RunOptions.defaults().withConcurrency(1)));
        try {
            // One executes; one more is claimed ahead of the slot and waits for it; the third is not claimed yet.
            await("first runs, second is claimed ahead", () -> gate.started.get() == 1
                    && statuses(task).equals(List.of(StepStatus.ACTIVE, StepStatus.ACTIVE, StepStatus.NEW)));
            // Hold the slot long after second was claimed (on the database clock), so that its wait shows if it counted.
            await("second waited 2 s", () -> Boolean.TRUE.equals(Rows.query(ts, "SELECT now() - started_at > interval '2 seconds' AS w "
                    + "FROM ${schema}.steps WHERE title = 'second'").get(0).get("w")));
            assertThat(sleep.started.get()).as("second has not started").isZero();
        } finally {
            gate.open.countDown();
        }
        RunResult r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.succeeded()).isTrue();
        assertThat(sleep.maxRunning.get()).isEqualTo(1);
        // first and second were claimed by one statement (one started_at); second's start moved to when it
        // started, so its duration is its own (a 1 ms sleep), shorter than first's, not first's plus its own.
        StepResult first = r.step("first").orElseThrow();
        StepResult second = r.step("second").orElseThrow();
        assertThat(second.duration()).isPositive().isLessThan(first.duration());
        assertThat(ts.step(second.stepId()).startedAt()).isAfter(ts.step(first.stepId()).startedAt());
        var runs = Rows.query(ts, "SELECT s.title, extract(epoch FROM r.finished_at - r.started_at) AS took FROM ${schema}.step_runs r "
                + "JOIN ${schema}.steps s ON s.id = r.step_id ORDER BY s.id");
        assertThat(runs).hasSize(3);
        assertThat(((Number) runs.get(1).get("took")).doubleValue()).isLessThan(((Number) runs.get(0).get("took")).doubleValue());
    }

    @Test
    void interruptingTheRunGivesBackTheStepsClaimedAhead() throws Exception {
        Task task = ts.save(independentSleeps("interrupted-ahead", 3, 600_000));
        Thread runner = new Thread(() -> ts.run(task.id(), RunOptions.defaults().withConcurrency(1)));
        runner.start();
        await("one runs", () -> sleep.running.get() == 1);
        assertThat(ts.steps(task.id()).stream().filter(s -> s.status() == StepStatus.ACTIVE)).hasSize(2); // one runs, one waits
        runner.interrupt();
        runner.join(60_000); // a deadline, far below the steps' ten minutes
        assertThat(runner.isAlive()).isFalse();
        assertThat(sleep.started.get()).isEqualTo(1);
        // The one claimed ahead ends as the one never claimed: not held by anyone, and not run.
        assertThat(ts.steps(task.id()).stream().map(Step::status))
                .containsExactlyInAnyOrder(StepStatus.CANCELLED, StepStatus.SKIPPED, StepStatus.SKIPPED);
        assertThat(Rows.query(ts, "SELECT outcome FROM ${schema}.step_runs ORDER BY id").stream().map(row -> row.get("outcome")))
                .containsExactly("cancelled", "released");
    }

    @Test
    void aStepCancelledWhileClaimedAheadNeverStarts() throws Exception {
        TestSteps.GateType gate = new TestSteps.GateType();
        reopen(WorkerOptions.defaults().withLease(Duration.ofSeconds(5), Duration.ofMillis(100)), gate);
        Task task = ts.save(TaskDefinition.named("cancel-ahead")
                .step("first", TestSteps.gate())
                .step("second", new Sleep(1))
                .build());
        Thread runner = new Thread(() -> ts.run(task.id(), RunOptions.defaults().withConcurrency(1)));
        runner.start();
        Step second;
        try {
            await("first runs, second is claimed ahead", () -> gate.started.get() == 1
                    && statuses(task).equals(List.of(StepStatus.ACTIVE, StepStatus.ACTIVE)));
            second = ts.steps(task.id()).get(1);
            ts.cancelStep(second.id());
            // Two heartbeats after the request (each extends the lease): the first one saw it and stopped the step.
            String lease = "SELECT lease_expires_at AS t FROM ${schema}.steps WHERE id = " + second.id();
            Object requested = Rows.query(ts, lease).get(0).get("t");
            await("a heartbeat", () -> !Rows.query(ts, lease).get(0).get("t").equals(requested));
            Object seen = Rows.query(ts, lease).get(0).get("t");
            await("another heartbeat", () -> !Rows.query(ts, lease).get(0).get("t").equals(seen));
        } finally {
            gate.open.countDown();
        }
        runner.join(60_000);
        assertThat(runner.isAlive()).isFalse();
        assertThat(sleep.started.get()).isZero();
        assertThat(ts.step(second.id()).status()).isEqualTo(StepStatus.CANCELLED);
    }

    @Test
    void aDataSourceWithoutAutocommitStillCommitsEveryClaimAndOutcome() {
        // Claims, in-process outcomes and the task's status are single statements sent without a
        // transaction around them; from a pool whose connections are not in autocommit mode they must
        // be committed all the same (a pool rolls back what is left open when a connection comes back).
        try (var pool = pool(false);
             TaskSync manual = TaskSync.builder().dataSource(pool).schema(TestDatabase.newSchema()).stepType(sleep).build()) {
            var def = TaskDefinition.named("manual-commit").step("root", new Sleep(1));
            for (int i = 0; i < 6; i++) {
                def.step("leaf" + i, new Sleep(5)).dependsOn("root");
            }
            Task task = manual.save(def.build());
            RunResult r = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> manual.run(task.id(), RunOptions.defaults().withConcurrency(2)));
            assertThat(r.succeeded()).isTrue();
            assertThat(manual.task(task.id()).status()).isEqualTo("completed");
            assertThat(manual.steps(task.id())).allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.COMPLETED));
            assertThat(Rows.query(manual, "SELECT outcome FROM ${schema}.step_runs")).hasSize(7)
                    .allSatisfy(row -> assertThat(row.get("outcome")).isEqualTo("completed"));
        }
    }

    @Test
    void aOneStepRunIsThreeRoundTripsAndReportsWhatItStored() {
        // load; submit + first claim; record + settle-and-read: each pair goes in one execute call.
        var executions = new AtomicInteger();
        try (var pool = pool(true);
             TaskSync counted = TaskSync.builder()
                     .dataSource(Intercepted.dataSource(pool, null, (method, args) -> {
                         if (method.startsWith("execute")) {
                             executions.incrementAndGet();
                         }
                     }))
                     .schema(TestDatabase.newSchema()).stepType(sleep).build()) {
            Task task = counted.save(TaskDefinition.named("one-step").step("only", new Sleep(1)).build());
            // The first run of a TaskSync also records the session that shows it alive (two statements, once).
            assertThat(counted.run(task.id()).succeeded()).isTrue();
            for (int i = 0; i < 3; i++) {
                executions.set(0);
                RunResult r = counted.run(task.id(), RunOptions.defaults().withForce(true));
                assertThat(executions.get()).as("statements sent by run %d", i).isEqualTo(3);
                assertThat(r.taskStatus()).isEqualTo("completed");
                Step stored = counted.step(r.steps().get(0).stepId());
                assertThat(r.steps().get(0).status()).isEqualTo(StepStatus.COMPLETED).isEqualTo(stored.status());
                assertThat(r.steps().get(0).duration()).isEqualTo(stored.duration()).isPositive();
                assertThat(counted.task(task.id()).status()).isEqualTo("completed");
            }
        }
    }

    /** A small pool of its own on the test database. */
    private static HikariDataSource pool(boolean autoCommit) {
        var config = new HikariConfig();
        config.setJdbcUrl(TestDatabase.jdbcUrl());
        config.setUsername(TestDatabase.user());
        config.setPassword(TestDatabase.password());
        config.setAutoCommit(autoCommit);
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }

    @Test
    void aRunPlannedBeforeAnotherFinishedDoesNotExecuteTheStepsAgain() throws Exception {
        // Run B loads and plans the task, then waits (a hook on its submit statement) while run A executes
        // every step; B's submit must not reset the steps A completed meanwhile.
        Task task = ts.save(TaskDefinition.named("two-runs")
                .step("root", new Sleep(1))
                .step("leaf", new Sleep(1)).dependsOn("root")
                .build());
        var planned = new CountDownLatch(1);
        var go = new CountDownLatch(1);
        var held = new AtomicBoolean();
        try (TaskSync b = TaskSync.builder().schema(ts.schema()).migrate(false).stepType(sleep)
                .dataSource(Intercepted.dataSource(TestDatabase.dataSource(), () -> (method, args) -> {
                    if (method.equals("prepareStatement") && String.valueOf(args[0]).contains("fingerprint = v.fingerprint")
                            && held.compareAndSet(false, true)) {
                        planned.countDown();
                        go.await();
                    }
                }, null)).build()) {
            var runB = CompletableFuture.supplyAsync(() -> b.run(task.id()));
            assertThat(planned.await(30, TimeUnit.SECONDS)).as("B planned").isTrue();
            RunResult a = ts.run(task.id());
            assertThat(a.succeeded()).isTrue();
            assertThat(a.steps()).allMatch(StepResult::executed);
            go.countDown();
            RunResult r = runB.get(60, TimeUnit.SECONDS);
            assertThat(r.taskStatus()).isEqualTo("completed");
            assertThat(r.steps()).noneMatch(StepResult::executed);
        } finally {
            go.countDown();
        }
        assertThat(sleep.started.get()).as("executions").isEqualTo(2);
        assertThat(Rows.query(ts, "SELECT outcome FROM ${schema}.step_runs")).hasSize(2);
    }

    @Test
    void twoRunsOfOneTaskStartedTogetherExecuteEachStepOnce() throws Exception {
        int tasks = 20;
        for (int i = 0; i < tasks; i++) {
            Task task = ts.save(TaskDefinition.named("race-" + i).step("only", new Sleep(0)).build());
            var start = new CyclicBarrier(2);
            Supplier<RunResult> run = () -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return ts.run(task.id());
            };
            var one = CompletableFuture.supplyAsync(run);
            var two = CompletableFuture.supplyAsync(run);
            assertThat(one.get(60, TimeUnit.SECONDS).succeeded()).isTrue();
            assertThat(two.get(60, TimeUnit.SECONDS).succeeded()).isTrue();
        }
        assertThat(sleep.started.get()).as("executions of %d one-step tasks", tasks).isEqualTo(tasks);
    }

    /** {@code {"throw": {"what": "oom" | "stack" | "error"}}}: throws an Error while executing. */
    private static StepType<String> throwType() {
        return TestSteps.type("throw", value -> value.requireObject().string("what"), context -> {
            switch (context.settings()) {
                case "oom" -> {
                    long[] huge = new long[Integer.MAX_VALUE]; // a real OutOfMemoryError: larger than any heap allows
                    return StepOutcome.success(StepOutcome.newResults().put("n", huge.length));
                }
                case "stack" -> {
                    return StepOutcome.success(StepOutcome.newResults().put("depth", recurse(0)));
                }
                default -> throw new AssertionError("thrown on purpose");
            }
        });
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    /** {@code {"shout": {"chars": N}}}: logs one line of N characters, then a short one. */
    private static StepType<Integer> shoutType() {
        return TestSteps.type("shout", value -> value.requireObject().field("chars").asInt(), context -> {
            context.log().line("x".repeat(context.settings()));
            context.log().line("after the long line");
            return StepOutcome.success(StepOutcome.newResults());
        });
    }

    @Test
    void anErrorThrownByAStepFailsItsAttemptAndTheRunGoesOn() {
        ts.close();
        ts = TestDatabase.builder().stepType(sleep, throwType()).build();
        Task task = ts.save(TaskDefinition.named("errors")
                .step("oom", StepSettings.of("throw", "{\"what\": \"oom\"}"))
                .step("stack", StepSettings.of("throw", "{\"what\": \"stack\"}"))
                .step("assertion", StepSettings.of("throw", "{\"what\": \"error\"}"))
                .step("after", new Sleep(1)).dependsOn("oom")
                .step("beside", new Sleep(1))
                .build());
        // Concurrency 1: a slot lost to an Error would leave the run waiting for ever (a deadline, so that it fails instead).
        RunResult r = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(120),
                () -> ts.run(task.id(), RunOptions.defaults().withConcurrency(1)));
        assertThat(r.taskStatus()).isEqualTo("failed");
        assertThat(r.step("oom").orElseThrow().status()).isEqualTo(StepStatus.FAILED);
        assertThat(r.step("oom").orElseThrow().results().get("error").asText()).startsWith("OutOfMemoryError: ");
        assertThat(r.step("stack").orElseThrow().results().get("error").asText()).isEqualTo("java.lang.StackOverflowError");
        assertThat(r.step("assertion").orElseThrow().results().get("error").asText()).isEqualTo("AssertionError: thrown on purpose");
        assertThat(r.step("after").orElseThrow().status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(r.step("beside").orElseThrow().status()).isEqualTo(StepStatus.COMPLETED);
        int oom = r.step("oom").orElseThrow().stepId();
        assertThat(ts.history(oom)).singleElement().satisfies(run -> {
            assertThat(run.outcome()).isEqualTo("failed");
            assertThat(run.error()).startsWith("OutOfMemoryError: ");
        });
    }

    @Test
    void aFiftyMegabyteLogLineKeepsTheTailBounded() {
        ts.close();
        ts = TestDatabase.builder().stepType(shoutType()).build();
        Task task = ts.save(TaskDefinition.named("shout").step("shout", StepSettings.of("shout", "{\"chars\": 50000000}")).build());
        List<String> heard = new CopyOnWriteArrayList<>();
        RunResult r = ts.run(task.id(), RunOptions.defaults().withListener(new RunListener() {
            @Override
            public void stepLog(int stepId, String line) {
                heard.add(line);
            }
        }));
        assertThat(r.succeeded()).isTrue();
        String tail = ts.history(r.steps().get(0).stepId()).get(0).logTail();
        assertThat(tail.length()).isLessThanOrEqualTo(16 * 1024);
        assertThat(tail).startsWith("xxxx").contains("[... 49995904 more characters]").endsWith("\nafter the long line");
        assertThat(heard).hasSize(2);
        assertThat(heard.get(0).length()).isLessThanOrEqualTo(4096 + 40);
    }

    @Test
    void concurrencyOfOneRunsOneAtATime() {
        ts.run(ts.save(independentSleeps("serial", 4, 30)).id(), RunOptions.defaults().withConcurrency(1));
        assertThat(sleep.maxRunning.get()).isEqualTo(1);
    }

    @Test
    void aFailureSkipsEverythingDownstreamAndNamesTheFailedStep() {
        Task task = ts.save(TaskDefinition.named("failing")
                .step("ok", new Sleep(1))
                .step("boom", TestSteps.fail("disk on fire")).dependsOn("ok")
                .step("after", new Sleep(1)).dependsOn("boom")
                .step("after-after", new Sleep(1)).dependsOn("after")
                .step("beside", new Sleep(1)).dependsOn("ok")
                .build());
        RunResult r = ts.run(task);
        assertThat(r.succeeded()).isFalse();
        assertThat(r.taskStatus()).isEqualTo("failed");
        assertThat(r.step("ok").orElseThrow().status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(r.step("beside").orElseThrow().status()).isEqualTo(StepStatus.COMPLETED);
        StepResult boom = r.step("boom").orElseThrow();
        assertThat(boom.status()).isEqualTo(StepStatus.FAILED);
        assertThat(boom.results().get("error").asText()).isEqualTo("disk on fire");
        for (String title : List.of("after", "after-after")) {
            StepResult skipped = r.step(title).orElseThrow();
            assertThat(skipped.status()).isEqualTo(StepStatus.SKIPPED);
            assertThat(skipped.executed()).isFalse();
            JsonNode because = skipped.results().get("skipped_because");
            assertThat(because.get("id").asInt()).isEqualTo(boom.stepId());
            assertThat(because.get("title").asText()).isEqualTo("boom");
        }
        assertThat(ts.task(task.id()).status()).isEqualTo("failed");
    }

    @Test
    void theRunResultMatchesWhatIsStored() throws Exception {
        Files.writeString(dir.resolve("present.txt"), "hello");
        Task task = ts.save(TaskDefinition.named("stored").localPath(dir)
                .step("files", FileExists.of("present.txt", "absent.txt"))
                .step("wait", new Sleep(20))
                .build());
        RunResult r = ts.run(task);
        for (StepResult sr : r.steps()) {
            Step stored = ts.step(sr.stepId());
            assertThat(sr.status()).isEqualTo(stored.status());
            assertThat(sr.results()).isEqualTo(stored.results());
            assertThat(sr.duration()).isEqualTo(stored.duration());
        }
        StepResult files = r.step("files").orElseThrow();
        assertThat(files.status()).isEqualTo(StepStatus.FAILED);
        assertThat(files.results().get("found").toString()).isEqualTo("[\"present.txt\"]");
        assertThat(files.results().get("missing").toString()).isEqualTo("[\"absent.txt\"]");
        assertThat(r.step("wait").orElseThrow().duration().toMillis()).isGreaterThanOrEqualTo(20);
        // One history row per attempt, closed with its outcome.
        List<Map<String, Object>> runs = Rows.query(ts, "SELECT step_id, attempt, outcome, finished_at FROM ${schema}.step_runs ORDER BY step_id");
        assertThat(runs).hasSize(2).allMatch(row -> row.get("finished_at") != null && (int) row.get("attempt") == 1);
        assertThat(runs).extracting(row -> row.get("outcome")).containsExactly("failed", "completed");
    }

    @Test
    void fileExistsAcceptsDirectoriesAndAbsolutePaths() throws Exception {
        Files.createDirectories(dir.resolve("src"));
        Path absolute = Files.writeString(dir.resolve("abs.txt"), "x");
        Task task = ts.save(TaskDefinition.named("dirs").localPath(dir)
                .step("check", FileExists.of("src", absolute.toString()))
                .build());
        RunResult r = ts.run(task);
        assertThat(r.succeeded()).isTrue();
        assertThat(r.step("check").orElseThrow().results().get("missing")).isEmpty();
    }

    @Test
    void interruptingTheRunCancelsItsRunningSteps() throws Exception {
        Task task = ts.save(TaskDefinition.named("interrupted").step("long", new Sleep(600_000)).build());
        Thread runner = new Thread(() -> ts.run(task.id()));
        runner.start();
        await("the step runs", () -> sleep.running.get() == 1);
        runner.interrupt();
        runner.join(60_000); // a deadline, far below the step's ten minutes
        assertThat(runner.isAlive()).isFalse();
        assertThat(ts.steps(task.id()).get(0).status()).isEqualTo(StepStatus.CANCELLED);
    }

    @Test
    void aStepSeesItsPreviousResults() {
        Task task = ts.createTask("memory");
        Step s = ts.createStep(task.id(), "s", "{\"sleep\": {\"millis\": 1}}");
        ts.run(task.id());
        assertThat(ts.step(s.id()).results().get("last_results_seen").asBoolean()).isFalse();
        ts.run(task.id(), RunOptions.defaults().withForce(true));
        assertThat(ts.step(s.id()).results().get("last_results_seen").asBoolean()).isTrue();
    }

    @Test
    void submittingALargeTaskRefreshesThePlannersStatistics() {
        Task task = ts.save(independentSleeps("large", 1_000, 0));
        ts.submit(task.id());
        var analyzed = Rows.query(ts, "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE schemaname = '${schema}' "
                + "AND relname IN ('steps', 'step_dependencies') ORDER BY relname");
        assertThat(analyzed).hasSize(2).allMatch(r -> r.get("last_analyze") != null);

        // The statistics know these rows now: submitting them again does not analyse again.
        ts.submit(task.id(), true);
        var again = Rows.query(ts, "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE schemaname = '${schema}' "
                + "AND relname IN ('steps', 'step_dependencies') ORDER BY relname");
        assertThat(again).isEqualTo(analyzed);
        assertThat(ts.steps(task.id())).allMatch(s -> s.status() == StepStatus.NEW);
    }
}
