package dev.tasksync.cli;

import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskSync;
import dev.tasksync.Worker;
import dev.tasksync.WorkerOptions;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;

/** What `run` and `worker` print about steps: up to date, executed here, executed by a worker (named). */
class RunReportCliIT {
    @RegisterExtension
    final CliHarness cli = new CliHarness();

    @TempDir
    Path dir;

    private int task(String name, String... titlesAndSettings) {
        cli.ok("task", "create", "--name", name, "--local-path", dir.toString());
        int id = cli.api.findTask(name).orElseThrow().id();
        for (int i = 0; i < titlesAndSettings.length; i += 2) {
            cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", titlesAndSettings[i], "--settings", titlesAndSettings[i + 1]);
        }
        return id;
    }

    private int stepId(int taskId, String title) {
        return cli.api.steps(taskId).stream().filter(s -> s.title().equals(title)).findFirst().orElseThrow().id();
    }

    /** Runs `worker ARGS` in a thread until {@code done} holds, then stops it as Ctrl-C would; returns what it printed. */
    private CliHarness.Result worker(BooleanSupplier done, String... args) throws InterruptedException {
        AtomicReference<CliHarness.Result> result = new AtomicReference<>();
        String[] command = new String[args.length + 1];
        command[0] = "worker";
        System.arraycopy(args, 0, command, 1, args.length);
        Thread t = new Thread(() -> result.set(cli.run(command)));
        t.start();
        try {
            await("the worker's steps", done::getAsBoolean);
        } finally {
            t.interrupt();
            t.join(30_000);
        }
        assertThat(t.isAlive()).isFalse();
        return result.get();
    }

    @Test
    void theWorkerPrintsALinePerStepStartedAndEndedUnlessQuiet() throws Exception {
        int id = task("w", "A", "{\"sleep\": {\"millis\": 1}}", "B", "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": 1}]}}");
        int a = stepId(id, "A");
        int b = stepId(id, "B");
        cli.ok("submit", "--task-id", String.valueOf(id));
        CliHarness.Result loud = worker(() -> cli.api.task(id).status().equals("completed"), "--concurrency", "1", "--grace", "1");
        assertThat(loud.out()).as(loud.toString())
                .containsPattern("(?m)^started +" + a + " 'A'$")
                .containsPattern("(?m)^completed +" + a + " 'A' in [0-9.]+s$")
                .containsPattern("(?m)^started +" + b + " 'B'$")
                .containsPattern("(?m)^completed +" + b + " 'B' in [0-9.]+s$")
                .contains("stopped after claiming 2 steps");
        assertThat(loud.out().indexOf("completed " + a)).isLessThan(loud.out().indexOf("started   " + b));

        cli.ok("submit", "--task-id", String.valueOf(id), "--force");
        CliHarness.Result quiet = worker(() -> cli.api.task(id).status().equals("completed")
                && cli.api.history(b).size() == 2, "--concurrency", "1", "--grace", "1", "--quiet");
        assertThat(quiet.out()).as(quiet.toString()).contains("running with concurrency 1").contains("stopped after claiming 2 steps")
                .doesNotContain("started ").doesNotContain("completed ");
    }

    @Test
    void runNamesTheWorkerThatExecutedAStepWhileItWaitedAndCountsItApart() throws Exception {
        int id = task("shared", "Same", "{\"sleep\": {\"millis\": 1}}");
        cli.ok("run", "--task-id", String.valueOf(id));
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Held", "--settings", "{\"gate\": {}}");
        cli.ok("step", "create", "--task-id", String.valueOf(id), "--title", "Here", "--settings", "{\"sleep\": {\"millis\": 1}}");
        int same = stepId(id, "Same");
        int held = stepId(id, "Held");
        int here = stepId(id, "Here");
        TestSteps.GateType gate = new TestSteps.GateType();
        try (TaskSync elsewhere = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(cli.schema).migrate(false)
                .stepType(gate).build();
             Worker worker = elsewhere.worker(WorkerOptions.defaults().withConcurrency(1))) {
            cli.ok("submit", "--task-id", String.valueOf(id));
            await("the worker holds 'Held'", () -> cli.api.step(held).status() == StepStatus.ACTIVE);
            // Its only slot is taken: 'Here' is left to the run, which then waits for 'Held'.
            AtomicReference<CliHarness.Result> run = new AtomicReference<>();
            Thread t = new Thread(() -> run.set(cli.run("run", "--task-id", String.valueOf(id))));
            t.start();
            try {
                await("the run executed 'Here'", () -> cli.api.step(here).status() == StepStatus.COMPLETED);
            } finally {
                gate.open.countDown();
                t.join(30_000);
            }
            CliHarness.Result r = run.get();
            assertThat(r.code()).as(r.toString()).isZero();
            String w = Pattern.quote(worker.id());
            assertThat(r.out()).as(r.toString())
                    .containsPattern("(?m)^\\[0/2\\] up to date " + same + " 'Same'$")
                    .containsPattern("(?m)^\\[\\d/2\\] completed +" + here + " 'Here' in [0-9.]+s$")
                    .containsPattern("(?m)^\\[\\d/2\\] completed +" + held + " 'Held' in [0-9.]+s by worker " + w + "$")
                    .containsPattern("(?m)^" + held + " +Held +completed +by worker " + w + " ")
                    .containsPattern("(?m)^" + here + " +Here +completed +yes ")
                    .containsPattern("(?m)^" + same + " +Same +completed +no ")
                    .contains("Task " + id + " 'shared' completed: 3 completed, 0 failed, 0 skipped; 1 executed here, "
                            + "1 by other workers, 1 up to date, 0 not run;");
            List<StepRun> history = cli.api.history(held);
            assertThat(history.get(history.size() - 1).workerId()).isEqualTo(worker.id());
        }
    }
}
