package dev.tasksync;

import dev.tasksync.testing.Intercepted;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestFiles;
import dev.tasksync.testing.TestSteps;
import dev.tasksync.testing.TestSteps.Watch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A plan explains a change from the inputs its decision compared against, whatever another engine stores meanwhile,
 * and from the inputs the engine kept of a step's last submit only once that submit committed.
 */
class PlannerInputsIT {
    @TempDir
    Path dir;
    private TaskSync here;
    private TaskSync other;

    @AfterEach
    void close() {
        if (here != null) {
            here.close();
        }
        if (other != null) {
            other.close();
        }
    }

    private void write(String path, String content, int secondsAgo) throws Exception {
        Path p = TestFiles.write(dir, path, content);
        // distinct old timestamps: the hash cache reads each version again and is out of its racy window
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(secondsAgo)));
    }

    @Test
    void aChangeIsNotExplainedFromInputsAnotherEngineStoredAfterThePlanLoadedTheTask() throws Exception {
        String schema = TestDatabase.newSchema();
        write("a.txt", "1", 300);
        write("b.txt", "1", 300);
        other = TestDatabase.builder().schema(schema).stepType(new TestSteps.WatchType()).build();
        Task task = other.save(TaskDefinition.named("two-engines").localPath(dir).step("S", Watch.of("a.txt", "b.txt")).build());
        assertThat(other.run(task.id()).succeeded()).isTrue();
        write("a.txt", "22", 200);

        // Right before this engine reads the stored inputs to explain the change it found (a.txt), the other
        // engine runs the step with b.txt changed too: what is stored then is not what the plan compared against.
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean once = new AtomicBoolean();
        AtomicBoolean inside = new AtomicBoolean();
        Intercepted.Hook hook = (method, args) -> {
            if (armed.get() && method.equals("prepareStatement") && args[0] instanceof String sql
                    && sql.startsWith("select") && sql.contains("\"inputs\"") && once.compareAndSet(false, true)) {
                inside.set(true);
                write("b.txt", "333", 100);
                assertThat(other.run(task.id()).step("S").orElseThrow().executed()).isTrue();
            }
        };
        here = TaskSync.builder().dataSource(Intercepted.dataSource(TestDatabase.dataSource(), () -> hook, null))
                .schema(schema).stepType(new TestSteps.WatchType()).build();
        armed.set(true);
        Plan plan = here.plan(task.id());
        assertThat(inside).as("the hook ran before the stored inputs were read").isTrue();
        String reason = plan.steps().get(0).reason();
        // against the run it compared with, b.txt did not change (a.txt did); against the other's, b.txt "changed" back
        assertThat(reason).doesNotContain("b.txt");
        assertThat(reason).isIn("file a.txt changed", "inputs changed");
    }

    /** The statement of a submit that makes the planned steps runnable (submit.sql, makeRunnable). */
    private static boolean isSubmit(String sql) {
        return sql.contains("seen_status");
    }

    /** A read of the inputs stored with steps' last runs (Planner.storedInputs), not a load of the task. */
    private static boolean readsStoredInputs(String sql) {
        return sql.startsWith("select") && sql.contains("\"inputs\"") && !sql.contains("\"settings\"");
    }

    @Test
    void aSubmitRolledBackLeavesTheInputsKeptOfTheLastOneThatCommitted() throws Exception {
        // large enough for the engine to keep its inputs in memory (RecentInputs: 1,000 files or more)
        List<String> files = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            files.add("f" + i + ".txt");
            write("f" + i + ".txt", "1", 300);
        }
        AtomicBoolean failSubmit = new AtomicBoolean();
        AtomicInteger storedReads = new AtomicInteger();
        Intercepted.Hook hook = (method, args) -> {
            if (method.equals("prepareStatement") && args[0] instanceof String sql) {
                if (failSubmit.get() && isSubmit(sql)) {
                    throw new SQLException("the submit fails before it commits (test)");
                }
                if (readsStoredInputs(sql)) {
                    storedReads.incrementAndGet();
                }
            }
        };
        here = TaskSync.builder().dataSource(Intercepted.dataSource(TestDatabase.dataSource(), () -> hook, null))
                .schema(TestDatabase.newSchema()).stepType(new TestSteps.WatchType()).build();
        Task task = here.save(TaskDefinition.named("kept").localPath(dir).step("S", new Watch(files)).build());
        assertThat(here.run(task.id()).succeeded()).isTrue();
        write("f7.txt", "22", 200);

        failSubmit.set(true);
        assertThatThrownBy(() -> here.submit(task.id())).hasStackTraceContaining("the submit fails");
        failSubmit.set(false);

        // The step still stores the inputs of its run: the engine kept those, and the rolled-back submit's (the
        // same step with f7.txt changed) did not replace them, so the plan explains the change without reading them.
        storedReads.set(0);
        Plan plan = here.plan(task.id());
        assertThat(plan.steps().get(0).reason()).isEqualTo("file f7.txt changed");
        assertThat(storedReads).as("reads of the stored inputs").hasValue(0);
    }
}
