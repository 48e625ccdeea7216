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
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** A plan explains a change from the inputs its decision compared against, whatever another engine stores meanwhile. */
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
}
