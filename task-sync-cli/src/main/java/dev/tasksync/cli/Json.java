package dev.tasksync.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.JsonShapes;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.StepResult;
import dev.tasksync.Task;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

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

    static ObjectNode run(RunResult r) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("task_id", r.taskId());
        n.put("task_name", r.taskName());
        n.put("task_status", r.taskStatus());
        n.put("succeeded", r.succeeded());
        n.put("elapsed_ms", r.elapsed().toMillis());
        ArrayNode a = n.putArray("steps");
        for (StepResult s : r.steps()) {
            ObjectNode sn = a.addObject();
            sn.put("id", s.stepId());
            sn.put("title", s.title());
            sn.put("status", s.status().dbValue());
            sn.put("executed", s.executed());
            if (s.executedBy() != null) {
                sn.put("executed_by", s.executedBy()); // this run's id, or the worker that executed it meanwhile
            }
            sn.put("duration_ms", s.duration().toMillis());
            sn.set("results", s.results());
        }
        return n;
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
