package dev.tasksync.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.JsonShapes;
import dev.tasksync.Step;
import dev.tasksync.Task;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Function;

/** The --json shapes: the tables' column names (snake_case), timestamps as ISO-8601, durations in ms. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    static ObjectNode task(Task t) {
        return JsonShapes.task(t);
    }

    static ObjectNode step(Step s) {
        return JsonShapes.step(s);
    }

    static ObjectNode taskWithSteps(Task t, List<Step> steps) {
        return JsonShapes.taskWithSteps(t, steps);
    }

    static String time(OffsetDateTime t) {
        return JsonShapes.time(t);
    }

    static void print(PrintWriter out, JsonNode node) {
        try {
            out.println(MAPPER.writeValueAsString(node));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prints {@code items} as one JSON array, each in {@code shape}. */
    static <T> void print(PrintWriter out, List<T> items, Function<T, ? extends JsonNode> shape) {
        ArrayNode a = MAPPER.createArrayNode();
        items.forEach(item -> a.add(shape.apply(item)));
        print(out, a);
    }

    static String pretty(JsonNode node) {
        try {
            return node == null ? "null" : MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        if (ms < 60_000) {
            return String.format("%.2fs", ms / 1000.0);
        }
        return String.format("%dm%02ds", ms / 60_000, (ms / 1000) % 60);
    }
}
