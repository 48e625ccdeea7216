package dev.tasksync.internal.engine;

import dev.tasksync.Step;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tasksync.spi.StepOutcome;

import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The graph a worker reads of a task it claims from ({@link StoredGraphs}) is the planner's: the same steps,
 * titles, types, local path and edges, explicit ones in the order the settings list them, then implicit ones.
 */
class StoredGraphsIT {
    /**
     * {@code {"make": {"resource": "r"}}} makes "test:r"; {@code {"use": {"resource": "r"}}} uses it, so it waits for the
     * step that makes it.
     */
    static final class Resource extends TestSteps.Simple<String> {
        private final boolean makes;

        Resource(String key, boolean makes) {
            super(key, v -> v.field("resource").asNonBlankString(), c -> StepOutcome.success(StepOutcome.newResults()));
            this.makes = makes;
        }

        @Override
        public Set<String> produces(String resource) {
            return makes ? Set.of("test:" + resource) : Set.of();
        }

        @Override
        public Set<String> consumes(String resource) {
            return makes ? Set.of() : Set.of("test:" + resource);
        }
    }

    TaskSync ts;
    Engine engine;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new TestSteps.SleepType(), new Resource("make", true), new Resource("use", false)).build();
        engine = EngineOf.of(ts);
    }

    @AfterEach
    void close() {
        ts.close();
    }

    @Test
    void theStoredGraphIsThePlannersWithExplicitEdgesInTheirOrderThenImplicitOnes() {
        String r = "r-" + UUID.randomUUID();
        Task task = ts.createTask("g-" + r);
        Step a = ts.createStep(task.id(), "a", "{\"sleep\": {\"millis\": 0}}");
        Step b = ts.createStep(task.id(), "b", "{\"sleep\": {\"millis\": 0}}");
        Step user = ts.createStep(task.id(), "user", "{\"use\": {\"resource\": \"" + r + "\"}}");
        Step maker = ts.createStep(task.id(), "maker", "{\"make\": {\"resource\": \"" + r + "\"}}");
        // listed b before a (not in id order), and implicitly waiting for the maker too
        Step last = ts.createStep(task.id(), "last", "{\"use\": {\"resource\": \"" + r + "\", \"depends_on\": [{\"id\": "
                + b.id() + "}, {\"id\": " + a.id() + "}]}}");
        Step lone = ts.createStep(task.id(), "lone", "{\"sleep\": {\"millis\": 0}}");

        TaskGraph planned = TaskGraph.of(engine.load(task.id()));
        TaskGraph stored = StoredGraphs.load(engine.dsl(), engine.tables(), task.id());

        assertThat(stored.taskId()).isEqualTo(task.id());
        assertThat(stored.taskName()).isEqualTo(planned.taskName());
        assertThat(stored.localPath()).isEqualTo(planned.localPath());
        assertThat(stored.titles()).isEqualTo(planned.titles());
        assertThat(stored.types()).isEqualTo(planned.types()).containsEntry(maker.id(), "make").containsEntry(lone.id(), "sleep");
        for (int id : planned.titles().keySet()) {
            assertThat(stored.graph().directUpstreamOf(id)).as("upstream of %d", id).isEqualTo(planned.graph().directUpstreamOf(id));
            assertThat(stored.graph().directDownstreamOf(id)).as("downstream of %d", id)
                    .isEqualTo(planned.graph().directDownstreamOf(id));
            assertThat(stored.graph().downstreamOf(id)).as("all downstream of %d", id).isEqualTo(planned.graph().downstreamOf(id));
        }
        assertThat(stored.graph().directUpstreamOf(last.id())).containsExactly(b.id(), a.id(), maker.id());
        assertThat(stored.graph().directUpstreamOf(user.id())).containsExactly(maker.id());
    }
}
