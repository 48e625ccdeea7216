package dev.tasksync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.tasksync.testing.Awaits.await;

/**
 * A step that uses what another step of its task makes waits for it without naming it (custom types through
 * {@link StepType#produces}/{@link StepType#consumes}): stored for claims, shown by dependencies() and graph(),
 * refused when it closes a cycle.
 */
class ImplicitDependencyIT {
    /** Resources "made" so far, across the JVM. */
    static final Set<String> MADE = ConcurrentHashMap.newKeySet();

    record Make(String resource, long millis) implements StepSettings {
        @Override
        public String type() {
            return "make";
        }

        @Override
        public JsonNode toJson() {
            return StepOutcome.newResults().put("resource", resource).put("millis", millis);
        }
    }

    record Use(String resource) implements StepSettings {
        @Override
        public String type() {
            return "use";
        }

        @Override
        public JsonNode toJson() {
            return StepOutcome.newResults().put("resource", resource);
        }
    }

    /** {@code {"make": {"resource": "r", "millis": 100}}}: takes a while, then the resource exists. */
    static final class MakeType extends TestSteps.Simple<Make> {
        MakeType() {
            super("make", value -> new Make(value.field("resource").asNonBlankString(), value.field("millis").asLong()),
                    context -> {
                        Thread.sleep(context.settings().millis());
                        MADE.add(context.settings().resource());
                        return StepOutcome.success(StepOutcome.newResults());
                    });
        }

        @Override
        public Set<String> produces(Make settings) {
            return Set.of("test:" + settings.resource());
        }
    }

    /** {@code {"use": {"resource": "r"}}}: fails unless the resource exists already. */
    static final class UseType extends TestSteps.Simple<Use> {
        UseType() {
            super("use", value -> new Use(value.field("resource").asNonBlankString()), context -> {
                String r = context.settings().resource();
                return MADE.contains(r) ? StepOutcome.success(StepOutcome.newResults().put("upstream", context.upstream().size()))
                        : StepOutcome.failure(r + " not made yet", StepOutcome.newResults());
            });
        }

        @Override
        public Set<String> consumes(Use settings) {
            return Set.of("test:" + settings.resource());
        }
    }

    TaskSync ts;
    String resource;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new MakeType(), new UseType())
                .workerOptions(WorkerOptions.defaults().withLease(Duration.ofMillis(1500), Duration.ofMillis(200))
                        .withPollInterval(Duration.ofMillis(200)).withShutdownGrace(Duration.ofMillis(200)))
                .build();
        resource = "r-" + UUID.randomUUID();
    }

    @AfterEach
    void close() {
        ts.close();
    }

    private String make(long millis, String extra) {
        return "{\"make\": {\"resource\": \"" + resource + "\", \"millis\": " + millis + extra + "}}";
    }

    private String use() {
        return "{\"use\": {\"resource\": \"" + resource + "\"}}";
    }

    private List<Map<String, Object>> edges(Task task) {
        return Rows.query(ts, "SELECT d.step_id, d.depends_on_id, d.kind FROM ${schema}.step_dependencies d"
                + " JOIN ${schema}.steps s ON s.id = d.step_id WHERE s.task_id = " + task.id() + " ORDER BY 1, 2");
    }

    private static Map<String, Object> edge(int step, int dependsOn, String kind) {
        return Map.of("step_id", step, "depends_on_id", dependsOn, "kind", kind);
    }

    @Test
    void aUserCreatedBeforeItsMakerWaitsForIt() {
        Task task = ts.createTask("t-" + resource);
        // created first, so ids alone would not order them; nothing names the other
        Step user = ts.createStep(task.id(), "use", use());
        Step maker = ts.createStep(task.id(), "make", make(300, ""));

        assertThat(edges(task)).containsExactly(edge(user.id(), maker.id(), "implicit"));
        assertThat(ts.step(user.id()).settings().toString()).doesNotContain("depends_on");
        assertThat(ts.step(user.id()).dependsOn()).isEmpty();
        assertThat(ts.dependencies(task.id())).containsExactly(
                new Dependency(user.id(), maker.id(), true, List.of("test:" + resource)));
        assertThat(ts.graph(task.id(), "dot")).contains("\"" + maker.id() + "\" -> \"" + user.id() + "\" [style=dashed];");
        assertThat(ts.plan(task.id()).steps()).extracting(Plan.PlannedStep::stepId).containsExactly(user.id(), maker.id());

        RunResult r = ts.run(task.id(), RunOptions.defaults().withConcurrency(2));
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        assertThat(ts.step(user.id()).results().get("upstream").asInt()).as("the maker is upstream of the user").isEqualTo(1);

        // a change of the maker makes the user run again: its fingerprint covers its implicit upstream
        ts.updateStep(maker.id(), null, make(10, ""));
        Plan plan = ts.plan(task.id());
        assertThat(plan.steps()).filteredOn(p -> p.stepId() == user.id()).singleElement()
                .satisfies(p -> assertThat(p.reason()).isEqualTo("upstream 'make' will run"));
    }

    @Test
    void workersClaimTheUserOnlyAfterTheMakerCompleted() throws Exception {
        Task task = ts.createTask("w-" + resource);
        Step user = ts.createStep(task.id(), "use", use());
        ts.createStep(task.id(), "make", make(300, ""));
        try (Worker w = ts.worker(WorkerOptions.defaults().withConcurrency(2).withPollInterval(Duration.ofMillis(200)))) {
            ts.submit(task.id());
            await("the task settled", () -> List.of("completed", "failed").contains(ts.task(task.id()).status()));
        }
        assertThat(ts.steps(task.id())).extracting(Step::status).containsOnly(StepStatus.COMPLETED);
        assertThat(ts.history(user.id())).singleElement().satisfies(run -> assertThat(run.outcome()).isEqualTo("completed"));
    }

    @Test
    void aCycleThroughAnImplicitDependencyIsRefusedAndNothingIsWritten() {
        Task task = ts.createTask("c-" + resource);
        Step user = ts.createStep(task.id(), "use", use());
        var before = Rows.snapshot(ts);
        // the maker waits for the user explicitly, and the user for the maker implicitly
        assertThatThrownBy(() -> ts.createStep(task.id(), "make", make(1, ", \"depends_on\": [{\"id\": " + user.id() + "}]")))
                .isInstanceOf(DependencyCycleException.class)
                .hasMessageContaining(user.id() + " 'use'")
                .hasMessageContaining("'make'")
                .hasMessageContaining("waits implicitly for")
                .hasMessageContaining("test " + resource);
        assertThat(Rows.snapshot(ts)).isEqualTo(before);

        // editing an existing step into the same cycle is refused too
        Step other = ts.createStep(task.id(), "other", make(1, "").replace(resource, "other-" + resource));
        var beforeEdit = Rows.snapshot(ts);
        assertThatThrownBy(() -> ts.updateStep(other.id(), null, make(1, ", \"depends_on\": [{\"id\": " + user.id() + "}]")))
                .isInstanceOf(DependencyCycleException.class);
        assertThat(Rows.snapshot(ts)).isEqualTo(beforeEdit);
    }

    @Test
    void editsAndDeletesDeriveTheEdgesAgain() {
        Task task = ts.createTask("e-" + resource);
        Step maker = ts.createStep(task.id(), "make", make(1, ""));
        Step user = ts.createStep(task.id(), "use", use());
        assertThat(edges(task)).containsExactly(edge(user.id(), maker.id(), "implicit"));

        // naming it in depends_on makes the edge explicit (one row), and dropping that makes it implicit again
        ts.updateStep(user.id(), null, "{\"use\": {\"resource\": \"" + resource + "\", \"depends_on\": [{\"id\": " + maker.id() + "}]}}");
        assertThat(edges(task)).containsExactly(edge(user.id(), maker.id(), "explicit"));
        ts.updateStep(user.id(), null, use());
        assertThat(edges(task)).containsExactly(edge(user.id(), maker.id(), "implicit"));

        // the maker makes something else now: no edge
        ts.updateStep(maker.id(), null, make(1, "").replace(resource, "else-" + resource));
        assertThat(edges(task)).isEmpty();
        ts.updateStep(maker.id(), null, make(1, ""));
        assertThat(edges(task)).hasSize(1);

        // a maker that others wait for only implicitly can be deleted; then nothing waits
        ts.deleteStep(maker.id());
        assertThat(edges(task)).isEmpty();
        assertThat(ts.dependencies(task.id())).isEmpty();
    }

    @Test
    void savedDefinitionsGetTheirImplicitDependenciesStored() {
        Task task = ts.save(TaskDefinition.named("d-" + resource)
                .step("use", new Use(resource))
                .step("make", new Make(resource, 200))
                .build());
        List<Step> steps = ts.steps(task.id());
        Step user = steps.stream().filter(s -> s.title().equals("use")).findFirst().orElseThrow();
        Step maker = steps.stream().filter(s -> s.title().equals("make")).findFirst().orElseThrow();
        assertThat(edges(task)).containsExactly(edge(user.id(), maker.id(), "implicit"));
        RunResult r = ts.run(task.id(), RunOptions.defaults().withConcurrency(2));
        assertThat(r.succeeded()).as(r.toString()).isTrue();

        // saving without the maker deletes it although the user waited for it
        ts.save(TaskDefinition.named("d-" + resource).step("use", new Use(resource)).build());
        assertThat(ts.steps(task.id())).extracting(Step::title).containsExactly("use");
        assertThat(edges(task)).isEmpty();
    }
}
