package dev.tasksync;

import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.testing.Intercepted;
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
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.testing.WorkerMain;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;
import static dev.tasksync.testing.TestSteps.independentSleeps;
import static dev.tasksync.testing.TestSteps.titled;

/** Workers, leases, retries, timeouts, cancellation and history, on a real PostgreSQL. */
class WorkerIT {
    static final WorkerOptions FAST = WorkerOptions.defaults().withConcurrency(4)
            .withLease(Duration.ofMillis(1500), Duration.ofMillis(200))
            .withPollInterval(Duration.ofMillis(200))
            .withShutdownGrace(Duration.ofMillis(200));
    TaskSync ts;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder()
                .stepType(new TestSteps.SleepType(), new TestSteps.FailType(), TestSteps.flakyType())
                .workerOptions(FAST)
                .build();
    }

    @AfterEach
    void close() {
        ts.close();
    }

    @Test
    void anIdleWorkerSettlesATaskLeftActiveWithNothingToRun() throws Exception {
        Task done = ts.save(TaskDefinition.named("done").step("a", new Sleep(1)).step("b", new Sleep(1)).build());
        assertThat(ts.run(done.id()).succeeded()).isTrue();
        Task waiting = ts.save(TaskDefinition.named("waiting").step("c", new Sleep(1)).build());
        ts.submit(waiting.id());
        // As if the transaction of the last outcome had not settled it; the other task still has a step to run.
        Rows.execute(ts, "UPDATE ${schema}.tasks SET status = 'active' WHERE id = " + done.id());
        Rows.execute(ts, "UPDATE ${schema}.steps SET inputs = NULL WHERE task_id = " + waiting.id()); // not claimable
        try (Worker w = ts.worker(FAST)) {
            await("task settled", Duration.ofSeconds(10), () -> ts.task(done.id()).status().equals("completed"));
            // The statement that settled it looked at this one too: its step is still new, so it was left alone.
            assertThat(ts.task(waiting.id()).status()).isEqualTo("active");
        }
    }

    @Test
    void whicheverOfTwoWorkersCommitsLastSettlesTheTask() throws Exception {
        // Worker A records x while y is new but not claimable (not submitted), and its statement (so its commit) is held back.
        // Worker B then runs y and records it while x still reads as active. Whichever commits last must
        // see both completed and settle the task. Both poll every 10 s, so the idle backstop stays out of it.
        Task task = ts.save(TaskDefinition.named("race").step("x", new Sleep(1)).step("y", new Sleep(1)).build());
        ts.submit(task.id());
        int y = titled(ts, task, "y").id();
        Object inputs = Rows.query(ts, "SELECT inputs::text AS i FROM ${schema}.steps WHERE id = " + y).get(0).get("i");
        Rows.execute(ts, "UPDATE ${schema}.steps SET inputs = NULL WHERE id = " + y);
        var recording = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        WorkerOptions slow = FAST.withConcurrency(1).withPollInterval(Duration.ofSeconds(10));
        try (TaskSync a = TaskSync.builder().dataSource(recordingHeld(TestDatabase.dataSource(), recording, release))
                .schema(ts.schema()).migrate(false).stepType(new TestSteps.SleepType()).build();
             Worker wa = a.worker(slow)) {
            assertThat(recording.await(10, TimeUnit.SECONDS)).as("A recorded x").isTrue();
            Rows.execute(ts, "UPDATE ${schema}.steps SET inputs = '" + inputs + "'::jsonb WHERE id = " + y);
            try (Worker wb = ts.worker(slow)) {
                await("B took y", Duration.ofSeconds(10), () -> wb.claimed() == 1);
                // B records y and, settling, waits for A's lock on the task (or, if it does not settle, has committed).
                await("B recorded y", Duration.ofSeconds(10), () -> waitingForALock(ts)
                        || titled(ts, task, "y").status() == StepStatus.COMPLETED);
                release.countDown();
                await("task completed", Duration.ofSeconds(3), () -> ts.task(task.id()).status().equals("completed"));
            }
        } finally {
            release.countDown();
        }
        assertThat(ts.steps(task.id())).allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.COMPLETED));
    }

    /** True when some session of this database waits for a lock. */
    static boolean waitingForALock(TaskSync ts) {
        return !Rows.query(ts, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").isEmpty();
    }

    /** True once a worker of this schema listens for notifications. */
    static boolean listening(TaskSync ts) {
        return !Rows.query(ts, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle'"
                + " AND query = 'LISTEN tasksync_${schema}'").isEmpty();
    }

    /**
     * Connections whose first outcome statement (recordAndClaim) waits for {@code release} before it is sent: a worker
     * records in batches, each statement committed by itself, so holding the statement holds its commit.
     */
    private static DataSource recordingHeld(DataSource pool, CountDownLatch recording, CountDownLatch release) {
        return Intercepted.dataSource(pool, () -> (method, args) -> {
            if (method.equals("prepareStatement") && NamedQuery.is(String.valueOf(args[0]), "recordAndClaim")
                    && recording.getCount() > 0) {
                recording.countDown();
                release.await(10, TimeUnit.SECONDS);
            }
        }, null);
    }

    @Test
    void twoWorkersShareATaskAndRunEachStepOnce() throws Exception {
        var def = TaskDefinition.named("shared");
        for (int i = 0; i < 20; i++) {
            var s = def.step("s" + i, new Sleep(20));
            if (i >= 4) {
                s.dependsOn("s" + (i - 4));
            }
        }
        Task task = ts.save(def.build());
        try (Worker a = ts.worker(FAST.withConcurrency(2)); Worker b = ts.worker(FAST.withConcurrency(2))) {
            ts.submit(task.id());
            await("task completed", Duration.ofSeconds(30), () -> ts.task(task.id()).status().equals("completed"));
            assertThat(a.claimed() + b.claimed()).isEqualTo(20);
            assertThat(a.claimed()).isPositive();
            assertThat(b.claimed()).isPositive();
        }
        for (Step s : ts.steps(task.id())) {
            assertThat(s.status()).isEqualTo(StepStatus.COMPLETED);
            assertThat(ts.history(s.id())).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo("completed"));
        }
    }

    @Test
    void workersLeaveStepsAloneUntilTheyAreSubmitted() throws Exception {
        Task task = ts.save(TaskDefinition.named("not-yet").step("s", new Sleep(1)).build());
        Task other = ts.save(TaskDefinition.named("submitted").step("t", new Sleep(1)).build());
        try (Worker w = ts.worker(FAST)) {
            // The worker claims up to four steps at once, lowest id first: the one that took t passed s over.
            ts.submit(other.id());
            await("the submitted task completed", Duration.ofSeconds(10), () -> ts.task(other.id()).status().equals("completed"));
            assertThat(w.claimed()).isEqualTo(1);
            assertThat(ts.steps(task.id()).get(0).status()).isEqualTo(StepStatus.NEW);
            ts.submit(task.id());
            await("step completed", Duration.ofSeconds(10), () -> ts.task(task.id()).status().equals("completed"));
        }
    }

    @Test
    void notificationWakesAnIdleWorkerWithoutWaitingForThePoll() throws Exception {
        Task task = ts.save(TaskDefinition.named("wake").step("s", new Sleep(1)).build());
        // It polls every ten minutes: only the notification can make it take the step within the deadline.
        try (Worker w = ts.worker(FAST.withPollInterval(Duration.ofMinutes(10)))) {
            await("the worker listens", Duration.ofSeconds(30), () -> listening(ts));
            ts.submit(task.id());
            await("step completed", Duration.ofSeconds(60), () -> ts.task(task.id()).status().equals("completed"));
        }
    }

    @Test
    void aWorkerGoesOnWithTheStepItsCompletionReleased() throws Exception {
        Task task = ts.save(TestSteps.sleepChain("chain", 5));
        try (Worker w = ts.worker(FAST.withPollInterval(Duration.ofMinutes(10)))) {
            await("the worker listens", Duration.ofSeconds(30), () -> listening(ts));
            ts.submit(task.id());
            await("task completed", Duration.ofSeconds(10), () -> ts.task(task.id()).status().equals("completed"));
            assertThat(w.claimed()).isEqualTo(5);
        }
        // Each step was claimed by the transaction that recorded the one before it (same now()).
        var runs = Rows.query(ts, "SELECT r.started_at, r.finished_at FROM ${schema}.step_runs r "
                + "JOIN ${schema}.steps s ON s.id = r.step_id ORDER BY s.id");
        for (int i = 1; i < runs.size(); i++) {
            assertThat(runs.get(i).get("started_at")).isEqualTo(runs.get(i - 1).get("finished_at"));
        }
    }

    @Test
    void aWorkerWhoseCompletionReleasedNothingTakesTheNextClaimableStep() throws Exception {
        Task task = ts.save(independentSleeps("independent", 4, 1));
        try (Worker w = ts.worker(FAST.withConcurrency(1))) {
            ts.submit(task.id());
            await("task completed", Duration.ofSeconds(10), () -> ts.task(task.id()).status().equals("completed"));
        }
        var runs = Rows.query(ts, "SELECT r.started_at, r.finished_at FROM ${schema}.step_runs r "
                + "JOIN ${schema}.steps s ON s.id = r.step_id ORDER BY r.started_at, s.id");
        assertThat(runs).hasSize(4);
        for (int i = 1; i < runs.size(); i++) {
            assertThat(runs.get(i).get("started_at")).isEqualTo(runs.get(i - 1).get("finished_at"));
        }
    }

    @Test
    void retriesWithBackoffUntilTheStepSucceeds() {
        Task task = ts.createTask("flaky");
        Step flaky = ts.createStep(task.id(), "flaky",
                "{\"flaky\": {\"failures\": 2, \"retries\": 3, \"retry_backoff_seconds\": 0.2}}");
        RunResult r = ts.run(task.id());
        assertThat(r.succeeded()).isTrue();
        assertThat(ts.step(flaky.id()).attempt()).isEqualTo(3);
        List<StepRun> runs = ts.history(flaky.id());
        assertThat(runs).extracting(StepRun::outcome).containsExactly("failed", "failed", "completed");
        assertThat(runs.get(0).error()).isEqualTo("attempt 1 fails");
        // the second retry waited at least twice the first backoff
        assertThat(Duration.between(runs.get(1).finishedAt(), runs.get(2).startedAt())).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        assertThat(Duration.between(runs.get(0).finishedAt(), runs.get(1).startedAt())).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    @Test
    void retriesRunOutThenTheStepFails() {
        Task task = ts.save(TaskDefinition.named("hopeless")
                .step("flaky", StepSettings.of("flaky", "{\"failures\": 5}")).retries(1).retryBackoff(Duration.ofMillis(50))
                .step("after", new Sleep(1)).dependsOn("flaky")
                .build());
        assertThat(titled(ts, task, "flaky").settings().toString()).contains("\"retries\":1").contains("\"retry_backoff_seconds\":0.05");
        RunResult r = ts.run(task.id());
        assertThat(r.step("flaky").orElseThrow().status()).isEqualTo(StepStatus.FAILED);
        assertThat(r.step("after").orElseThrow().status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(ts.history(titled(ts, task, "flaky").id())).extracting(StepRun::outcome).containsExactly("failed", "failed");
    }

    @Test
    void aTimeoutInterruptsTheStep() {
        Task task = ts.save(TaskDefinition.named("slow")
                .step("slow", new Sleep(600_000)).timeout(Duration.ofMillis(300))
                .build());
        // A deadline far below the step's ten minutes: only the timeout can end it in time.
        RunResult r = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> ts.run(task.id()));
        StepResult slow = r.step("slow").orElseThrow();
        assertThat(slow.status()).isEqualTo(StepStatus.FAILED);
        assertThat(slow.results().get("error").asText()).isEqualTo("timed out after 0.3 s");
        assertThat(ts.history(slow.stepId())).singleElement().satisfies(run -> assertThat(run.outcome()).isEqualTo("timed_out"));
    }

    @Test
    void cancellingATaskStopsRunningStepsAndCancelsWaitingOnes() throws Exception {
        Task task = ts.save(TaskDefinition.named("long")
                .step("long", new Sleep(600_000))
                .step("after", new Sleep(1)).dependsOn("long")
                .build());
        try (Worker w = ts.worker(FAST)) {
            ts.submit(task.id());
            await("step running", Duration.ofSeconds(10), () -> titled(ts, task, "long").status() == StepStatus.ACTIVE);
            assertThat(ts.cancelTask(task.id())).isEqualTo(2);
            // A deadline far below the step's ten minutes: only the cancellation can end it in time.
            await("step cancelled", Duration.ofSeconds(60), () -> titled(ts, task, "long").status() == StepStatus.CANCELLED);
        }
        assertThat(titled(ts, task, "after").status()).isEqualTo(StepStatus.CANCELLED);
        assertThat(ts.task(task.id()).status()).isEqualTo("cancelled");
        assertThat(ts.history(titled(ts, task, "long").id())).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo("cancelled"));
        assertThat(ts.plan(task.id()).steps()).allMatch(p -> p.willRun() && p.reason().equals("cancelled last time"));
    }

    @Test
    void aStepWhoseWorkerDiedIsClaimedAgainAndTheOldAttemptIsAbandoned() throws Exception {
        Task task = ts.save(TaskDefinition.named("orphan").step("s", new Sleep(1)).build());
        Step s = titled(ts, task, "s");
        ts.submit(task.id());
        Rows.orphan(ts, s.id());
        try (Worker w = ts.worker(FAST)) {
            await("step completed", Duration.ofSeconds(10), () -> ts.step(s.id()).status() == StepStatus.COMPLETED);
        }
        List<StepRun> runs = ts.history(s.id());
        assertThat(runs).extracting(StepRun::outcome).containsExactly("abandoned", "completed");
        assertThat(runs.get(0).workerId()).isEqualTo("dead-worker");
        assertThat(runs.get(0).finishedAt()).isBeforeOrEqualTo(runs.get(1).startedAt());
        assertThat(ts.step(s.id()).attempt()).isEqualTo(2);
    }

    @Test
    void aStepWhoseWorkerWasKilledIsTakenOverWithoutWaitingForItsLease(@TempDir Path dir)
            throws Exception {
        Task task = ts.save(TaskDefinition.named("killed").step("long", new Sleep(600_000)).build());
        Step s = titled(ts, task, "long");
        ts.submit(task.id());
        // A worker JVM with a 10-minute lease takes the step, and is killed with SIGKILL while it runs it.
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder workerProcess = new ProcessBuilder(javaBin, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-Dtasksync.test.leaseMillis=600000", "-Dtasksync.test.user=" + TestDatabase.user(),
                "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(),
                TestDatabase.jdbcUrl(), ts.schema(), "doomed")
                .redirectErrorStream(true).redirectOutput(dir.resolve("worker.log").toFile());
        workerProcess.environment().put("TASKSYNC_DB_PASSWORD", TestDatabase.password());
        Process worker = workerProcess.start();
        try {
            await("the worker runs the step", Duration.ofSeconds(60), () -> ts.step(s.id()).status() == StepStatus.ACTIVE);
        } finally {
            worker.destroyForcibly().waitFor();
        }
        assertThat(Rows.query(ts, "SELECT lease_owner, lease_expires_at > now() + interval '5 minutes' AS long_lease FROM ${schema}.steps"))
                .singleElement().satisfies(row -> {
                    assertThat(row.get("lease_owner")).isEqualTo("doomed/w1");
                    assertThat(row.get("long_lease")).isEqualTo(true);
                });
        // {"sleep": ...} that returns at once: this JVM's stand-in for a step another JVM runs for long
        AtomicInteger started = new AtomicInteger();
        StepType<Long> quick = TestSteps.type("sleep", value -> value.requireObject().field("millis").asLong(), context -> {
            started.incrementAndGet();
            return StepOutcome.success(StepOutcome.newResults());
        });
        try (TaskSync here = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(ts.schema()).migrate(false)
                .stepType(quick).build()) {
            // Its lease holds for ten more minutes; a deadline only so that a wait for it fails instead of hanging.
            RunResult r = Assertions.assertTimeoutPreemptively(Duration.ofMinutes(3), () -> here.run(task.id()));
            assertThat(r.succeeded()).isTrue();
            assertThat(r.steps()).singleElement().satisfies(step -> assertThat(step.executed()).isTrue());
        }
        assertThat(started.get()).isEqualTo(1);
        List<StepRun> runs = ts.history(s.id());
        assertThat(runs).extracting(StepRun::outcome).containsExactly("abandoned", "completed");
        assertThat(runs.get(0).workerId()).isEqualTo("doomed/w1");
        assertThat(runs.get(0).error()).startsWith("worker doomed/w1 is gone (its database session ended); claimed again by ");
    }

    /** What a listener was told about a step held elsewhere. */
    record HeldReport(int stepId, String title, String owner, OffsetDateTime until) {
    }

    @Test
    void aRunWaitingForAStepALiveRunHoldsIsToldWhoHoldsItAndUntilWhen() throws Exception {
        TestSteps.GateType gate = new TestSteps.GateType();
        var reports = new CopyOnWriteArrayList<HeldReport>();
        var reported = new CountDownLatch(1);
        try (TaskSync holder = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(ts.schema()).migrate(false)
                     .workerId("holder").stepType(gate).build();
             TaskSync waiter = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(ts.schema()).migrate(false)
                     .workerId("waiter").stepType(gate).build()) {
            Task task = holder.save(TaskDefinition.named("held").step("gated", TestSteps.gate()).build());
            Step s = titled(ts, task, "gated");
            var first = CompletableFuture.supplyAsync(() -> holder.run(task.id()));
            try {
                await("the holder runs the step", Duration.ofSeconds(30), () -> ts.step(s.id()).status() == StepStatus.ACTIVE);
                var second = CompletableFuture.supplyAsync(() -> waiter.run(task.id(),
                        RunOptions.defaults().withListener(new RunListener() {
                            @Override
                            public void waitingForLease(int stepId, String title, String owner, OffsetDateTime until) {
                                reports.add(new HeldReport(stepId, title, owner, until));
                                reported.countDown();
                            }
                        })));
                assertThat(reported.await(30, TimeUnit.SECONDS)).as("the waiter was told").isTrue();
                gate.open.countDown();
                RunResult waited = second.get(60, TimeUnit.SECONDS);
                assertThat(waited.succeeded()).isTrue();
                assertThat(waited.steps()).singleElement().satisfies(step -> assertThat(step.executed()).isFalse());
            } finally {
                gate.open.countDown();
            }
            assertThat(first.get(60, TimeUnit.SECONDS).succeeded()).isTrue();
            assertThat(reports).singleElement().satisfies(h -> {
                assertThat(h.stepId()).isEqualTo(s.id());
                assertThat(h.title()).isEqualTo("gated");
                assertThat(h.owner()).isEqualTo("holder");
                assertThat(h.until()).isNotNull();
            });
            // The live holder's step was not taken over: one attempt, its own.
            assertThat(ts.history(s.id())).singleElement().satisfies(r -> {
                assertThat(r.workerId()).isEqualTo("holder");
                assertThat(r.outcome()).isEqualTo("completed");
            });
        }
    }

    @Test
    void aWorkerThatLostItsLeaseStopsAndCannotRecordAnOutcome() throws Exception {
        Task task = ts.save(TaskDefinition.named("stolen").step("s", new Sleep(30_000)).build());
        Step s = titled(ts, task, "s");
        try (Worker w = ts.worker(FAST)) {
            ts.submit(task.id());
            await("step running", Duration.ofSeconds(10), () -> ts.step(s.id()).status() == StepStatus.ACTIVE);
            // Another worker took the step over (as after an expired lease), with a newer attempt.
            Rows.execute(ts, "UPDATE ${schema}.steps SET lease_owner = 'thief', attempt = attempt + 1, "
                    + "lease_expires_at = now() + interval '1 hour' WHERE id = " + s.id());
            await("attempt closed", Duration.ofSeconds(10), () -> ts.history(s.id()).get(0).finishedAt() != null);
        }
        Step after = ts.step(s.id());
        assertThat(after.status()).isEqualTo(StepStatus.ACTIVE); // the thief's claim is untouched
        assertThat(after.attempt()).isEqualTo(2);
        assertThat(ts.history(s.id())).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo("abandoned"));
    }

    @Test
    void gracefulShutdownReleasesWhatItHolds() throws Exception {
        Task task = ts.save(TaskDefinition.named("held").step("s", new Sleep(600_000)).build());
        Step s = titled(ts, task, "s");
        Worker w = ts.worker(FAST);
        ts.submit(task.id());
        await("step running", Duration.ofSeconds(10), () -> ts.step(s.id()).status() == StepStatus.ACTIVE);
        // A deadline far below the step's ten minutes: close waits its grace (200 ms), then gives the step back.
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), w::close);
        assertThat(ts.step(s.id()).status()).isEqualTo(StepStatus.NEW);
        assertThat(ts.history(s.id())).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo("released");
            assertThat(r.error()).contains("shut down");
        });
        List<Map<String, Object>> lease = Rows.query(ts, "SELECT lease_owner FROM ${schema}.steps WHERE id = " + s.id());
        assertThat(lease.get(0).get("lease_owner")).isNull();
    }
}
