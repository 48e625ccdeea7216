package dev.tasksync.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.StepSettings;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;

import java.util.List;

/**
 * The step types the benchmarks run, registered through the public SPI like any user's type:
 * {@code bench_noop} (does nothing; may watch files) and {@code bench_sleep} (sleeps).
 */
final class BenchSteps {
    private BenchSteps() {
    }

    /** {@code {"bench_noop": {"n": 1, "watch": ["dir"]}}}: succeeds at once; {@code n} keeps settings distinct. */
    static StepSettings noop(int n, String... watch) {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("n", n);
        if (watch.length > 0) {
            ArrayNode w = json.putArray("watch");
            for (String path : watch) {
                w.add(path);
            }
        }
        return StepSettings.of(NoopType.KEY, json);
    }

    /** {@code {"bench_sleep": {"ms": 10, "n": 1}}}. */
    static StepSettings sleep(long millis, int n) {
        return StepSettings.of(SleepType.KEY, JsonNodeFactory.instance.objectNode().put("ms", millis).put("n", n));
    }

    record Noop(List<String> watch) {
    }

    static final class NoopType implements StepType<Noop> {
        static final String KEY = "bench_noop";

        @Override
        public String key() {
            return KEY;
        }

        @Override
        public Noop parse(JsonSettings value) {
            value.requireObject();
            return new Noop(value.stringList("watch"));
        }

        @Override
        public List<String> watchedFiles(Noop settings) {
            return settings.watch();
        }

        @Override
        public StepOutcome execute(StepContext<Noop> context) {
            return StepOutcome.success();
        }
    }

    static final class SleepType implements StepType<Long> {
        static final String KEY = "bench_sleep";

        @Override
        public String key() {
            return KEY;
        }

        @Override
        public Long parse(JsonSettings value) {
            return value.requireObject().field("ms").asLong();
        }

        @Override
        public StepOutcome execute(StepContext<Long> context) throws InterruptedException {
            Thread.sleep(context.settings());
            return StepOutcome.success();
        }
    }

    static JsonNode empty() {
        return JsonNodeFactory.instance.objectNode();
    }
}
