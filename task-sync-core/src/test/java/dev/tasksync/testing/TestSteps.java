package dev.tasksync.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.StepSettings;
import dev.tasksync.TaskDefinition;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;

import java.util.concurrent.atomic.AtomicInteger;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import dev.tasksync.Step;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;

/** Step types for engine tests: {@code sleep} (records when it ran) and {@code fail}. */
public final class TestSteps {
    private TestSteps() {
    }

    /** {@code {"sleep": {"millis": 100}}}: sleeps, then reports its start and end in nanoTime. */
    public record Sleep(long millis) implements StepSettings {
        @Override
        public String type() {
            return "sleep";
        }

        @Override
        public JsonNode toJson() {
            return StepOutcome.newResults().put("millis", millis);
        }
    }

    /** A task of {@code steps} one-millisecond sleeps s0, s1, …, each waiting for the one before it. */
    public static TaskDefinition sleepChain(String name, int steps) {
        TaskDefinition.Builder def = TaskDefinition.named(name);
        for (int i = 0; i < steps; i++) {
            var step = def.step("s" + i, new Sleep(1));
            if (i > 0) {
                step.dependsOn("s" + (i - 1));
            }
        }
        return def.build();
    }

    /** A task of {@code steps} sleeps of {@code millis} s0, s1, …, none waiting for another. */
    public static TaskDefinition independentSleeps(String name, int steps, long millis) {
        TaskDefinition.Builder def = TaskDefinition.named(name);
        for (int i = 0; i < steps; i++) {
            def.step("s" + i, new Sleep(millis));
        }
        return def.build();
    }

    /** The step of {@code task} with {@code title}, as stored now. */
    public static Step titled(TaskSync ts, Task task, String title) {
        return ts.steps(task.id()).stream().filter(s -> s.title().equals(title)).findFirst().orElseThrow();
    }

    /** Tracks how many sleep steps run at once, across the JVM. */
    public static final class SleepType implements StepType<Sleep> {
        public final AtomicInteger running = new AtomicInteger();
        public final AtomicInteger maxRunning = new AtomicInteger();
        /** Executions started, across the JVM. */
        public final AtomicInteger started = new AtomicInteger();

        @Override
        public String key() {
            return "sleep";
        }

        @Override
        public Sleep parse(JsonSettings value) {
            value.requireObject();
            long millis = value.field("millis").asLong();
            if (millis < 0) {
                throw value.field("millis").invalid("must not be negative");
            }
            return new Sleep(millis);
        }

        @Override
        public StepOutcome execute(StepContext<Sleep> context) throws InterruptedException {
            started.incrementAndGet();
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            try {
                ObjectNode results = StepOutcome.newResults();
                results.put("start_nanos", System.nanoTime());
                Thread.sleep(context.settings().millis());
                results.put("end_nanos", System.nanoTime());
                results.put("upstream", context.upstream().size());
                results.put("last_results_seen", context.lastResults() != null && context.lastResults().has("end_nanos"));
                return StepOutcome.success(results);
            } finally {
                running.decrementAndGet();
            }
        }
    }

    /** What a test step does when it runs. */
    @FunctionalInterface
    public interface Execution<S> {
        StepOutcome execute(StepContext<S> context) throws Exception;
    }

    /** A step type that is only its key, how it reads its settings and what it does: most test types. */
    public static <S> StepType<S> type(String key, Function<JsonSettings, S> parse, Execution<S> execution) {
        return new Simple<>(key, parse, execution);
    }

    /** What {@link #type} makes; a subclass with a no-argument constructor can be listed in META-INF/services. */
    public static class Simple<S> implements StepType<S> {
        private final String key;
        private final Function<JsonSettings, S> parse;
        private final Execution<S> execution;

        public Simple(String key, Function<JsonSettings, S> parse, Execution<S> execution) {
            this.key = key;
            this.parse = parse;
            this.execution = execution;
        }

        @Override
        public final String key() {
            return key;
        }

        @Override
        public final S parse(JsonSettings value) {
            return parse.apply(value);
        }

        @Override
        public StepOutcome execute(StepContext<S> context) throws Exception {
            return execution.execute(context);
        }
    }

    /** {@code {"fail": {"message": "..."}}}: always fails. */
    public static final class FailType extends Simple<String> {
        public FailType() {
            super("fail", value -> value.requireObject().optionalString("message").orElse("failed on purpose"),
                    context -> StepOutcome.failure(context.settings()));
        }
    }

    public static StepSettings fail(String message) {
        return StepSettings.of("fail", "{\"message\": \"" + message + "\"}");
    }

    /** {@code {"watch": {"files": [...]}}}: succeeds, watching the listed files. */
    public record Watch(List<String> files) implements StepSettings {
        public static Watch of(String... files) {
            return new Watch(List.of(files));
        }

        @Override
        public String type() {
            return "watch";
        }

        @Override
        public JsonNode toJson() {
            ObjectNode json = StepOutcome.newResults();
            files.forEach(json.putArray("files")::add);
            return json;
        }
    }

    public static final class WatchType implements StepType<Watch> {
        @Override
        public String key() {
            return "watch";
        }

        @Override
        public Watch parse(JsonSettings value) {
            return new Watch(value.requireObject().stringList("files"));
        }

        @Override
        public List<String> watchedFiles(Watch settings) {
            return settings.files();
        }

        @Override
        public StepOutcome execute(StepContext<Watch> context) {
            return StepOutcome.success(StepOutcome.newResults().put("attempt", context.attempt()));
        }
    }

    /** {@code {"flaky": {"failures": 2}}}: fails its first N attempts, then succeeds. */
    public static StepType<Integer> flakyType() {
        return type("flaky", value -> value.requireObject().field("failures").asInt(),
                context -> context.attempt() <= context.settings()
                        ? StepOutcome.failure("attempt " + context.attempt() + " fails")
                        : StepOutcome.success(StepOutcome.newResults().put("attempt", context.attempt())));
    }

    /** A type whose settings are an empty object ({@code {"gate": {}}}): it keeps state the test reads instead. */
    public abstract static class NoSettings extends Simple<Object> {
        protected NoSettings(String key) {
            super(key, JsonSettings::requireObject, null);
        }

        /** What it does, in place of an {@link Execution}: it reads the state the subclass keeps. */
        @Override
        public abstract StepOutcome execute(StepContext<Object> context) throws Exception;
    }

    /**
     * {@code {"gate": {}}}: waits until the test opens the gate (at most a minute, then fails), so that a
     * test decides when a step ends instead of guessing how long it takes.
     */
    public static final class GateType extends NoSettings {
        public final CountDownLatch open = new CountDownLatch(1);
        /** Executions started. */
        public final AtomicInteger started = new AtomicInteger();

        public GateType() {
            super("gate");
        }

        @Override
        public StepOutcome execute(StepContext<Object> context) throws InterruptedException {
            started.incrementAndGet();
            if (!open.await(60, TimeUnit.SECONDS)) {
                return StepOutcome.failure("the gate stayed shut");
            }
            return StepOutcome.success(StepOutcome.newResults());
        }
    }

    public static StepSettings gate() {
        return StepSettings.of("gate", "{}");
    }

    /**
     * {@code {"meet": {}}}: waits until {@code parties} meet steps execute at once (a cyclic barrier; at most
     * a minute, then fails): a step that completes proves that many ran together, whatever the timing.
     */
    public static final class MeetType extends NoSettings {
        private final CyclicBarrier barrier;
        public final AtomicInteger running = new AtomicInteger();
        public final AtomicInteger maxRunning = new AtomicInteger();

        public MeetType(int parties) {
            super("meet");
            this.barrier = new CyclicBarrier(parties);
        }

        @Override
        public StepOutcome execute(StepContext<Object> context) throws Exception {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                ObjectNode results = StepOutcome.newResults().put("start_nanos", System.nanoTime());
                barrier.await(60, TimeUnit.SECONDS);
                return StepOutcome.success(results.put("end_nanos", System.nanoTime()));
            } finally {
                running.decrementAndGet();
            }
        }
    }

    public static StepSettings meet() {
        return StepSettings.of("meet", "{}");
    }
}
