package dev.tasksync.internal.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.Dependency;
import dev.tasksync.JsonShapes;
import dev.tasksync.Step;
import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSummary;
import dev.tasksync.console.ConsoleUser;

import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** The API's JSON: the shapes of the CLI's {@code --json} (column names in snake_case, ISO-8601 times, ms). */
final class ApiJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ApiJson() {
    }

    static String write(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pretty(JsonNode n) {
        if (n == null) {
            return null;
        }
        try {
            return PRETTY.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode task(Task t) {
        return JsonShapes.task(t);
    }

    static ObjectNode summary(TaskSummary s) {
        ObjectNode n = task(s.task());
        ObjectNode counts = n.putObject("step_counts");
        for (StepStatus st : StepStatus.values()) {
            if (s.count(st) > 0) {
                counts.put(st.dbValue(), s.count(st));
            }
        }
        n.put("steps", s.steps());
        n.put("last_run_at", time(s.lastRunAt()));
        n.put("duration_ms", s.duration().toMillis());
        return n;
    }

    static ObjectNode step(Step s) {
        return JsonShapes.step(s);
    }

    static ObjectNode taskWithSteps(Task t, List<Step> steps) {
        return JsonShapes.taskWithSteps(t, steps);
    }

    static ArrayNode dependencies(List<Dependency> deps) {
        ArrayNode a = MAPPER.createArrayNode();
        for (Dependency d : deps) {
            ObjectNode n = a.addObject();
            n.put("step_id", d.stepId());
            n.put("depends_on_id", d.dependsOnId());
            n.put("implicit", d.implicit());
            ArrayNode r = n.putArray("resources");
            d.resources().forEach(r::add);
        }
        return a;
    }

    static ArrayNode history(List<StepRun> runs) {
        ArrayNode a = MAPPER.createArrayNode();
        runs.forEach(r -> a.add(JsonShapes.attempt(r)));
        return a;
    }

    /**
     * A live event: the new status of each step in {@code statusChanged}, and the step table's other columns (as
     * the page prints them) of each step in {@code progressed}.
     */
    static ObjectNode changes(String taskStatus, Collection<StepState> statusChanged, Collection<StepState> progressed) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("task_status", taskStatus);
        ObjectNode s = n.putObject("steps");
        statusChanged.forEach(p -> s.put(Integer.toString(p.id()), p.status().dbValue()));
        ObjectNode pr = n.putObject("progress");
        progressed.forEach(p -> pr.putObject(Integer.toString(p.id())).put("attempt", p.attempt())
                .put("finished", Http.time(p.finishedAt())).put("duration", Http.duration(p.duration())));
        return n;
    }

    static ArrayNode users(List<ConsoleUser> users) {
        ArrayNode a = MAPPER.createArrayNode();
        users.forEach(u -> a.addObject().put("name", u.name()).put("role", u.role().dbValue()).put("created_at", time(u.createdAt())));
        return a;
    }

    static ObjectNode error(String message) {
        return MAPPER.createObjectNode().put("error", message);
    }

    static String time(OffsetDateTime t) {
        return JsonShapes.time(t);
    }
}
