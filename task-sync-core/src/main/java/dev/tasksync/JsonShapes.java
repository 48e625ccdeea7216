package dev.tasksync;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tasks, steps, plans, runs, workers and attempts as JSON, in the one shape the CLI's {@code --json} and the console's {@code /api} both give: the
 * tables' column names (snake_case), timestamps as ISO-8601, durations in milliseconds.
 */
public final class JsonShapes {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonShapes() {
    }

    public static ObjectNode task(Task t) {
        ObjectNode n = NODES.objectNode();
        n.put("id", t.id());
        n.put("name", t.name());
        n.put("status", t.status());
        n.put("local_path", t.localPath());
        n.put("created_at", time(t.createdAt()));
        n.put("updated_at", time(t.updatedAt()));
        return n;
    }

    public static ObjectNode step(Step s) {
        ObjectNode n = NODES.objectNode();
        n.put("id", s.id());
        n.put("task_id", s.taskId());
        n.put("title", s.title());
        n.put("type", s.type());
        n.put("status", s.status().dbValue());
        n.set("settings", s.settings());
        n.set("results", s.results());
        ArrayNode deps = n.putArray("depends_on");
        s.dependsOn().forEach(deps::add);
        n.put("attempt", s.attempt());
        n.put("started_at", time(s.startedAt()));
        n.put("finished_at", time(s.finishedAt()));
        n.put("duration_ms", s.duration().toMillis());
        n.put("created_at", time(s.createdAt()));
        n.put("updated_at", time(s.updatedAt()));
        return n;
    }

    /** The task with its steps under {@code "steps"}. */
    public static ObjectNode taskWithSteps(Task t, List<Step> steps) {
        ObjectNode n = task(t);
        ArrayNode a = n.putArray("steps");
        steps.forEach(s -> a.add(step(s)));
        return n;
    }

    /** A run's result as {@code run --json} prints it: the task's outcome and each step's, with its results. */
    public static ObjectNode run(RunResult r) {
        ObjectNode n = NODES.objectNode();
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

    /** A registered worker as {@code worker list --json} and the console's {@code /api/workers} give it. */
    public static ObjectNode worker(RegisteredWorker w) {
        ObjectNode n = NODES.objectNode();
        n.put("id", w.id());
        n.put("host", w.host());
        ArrayNode labels = n.putArray("labels");
        w.labels().forEach(labels::add);
        n.put("docker_engine", w.dockerEngine());
        n.put("started_at", time(w.startedAt()));
        n.put("last_heartbeat", time(w.lastHeartbeat()));
        n.put("stopped_at", time(w.stoppedAt()));
        n.put("live", w.live());
        return n;
    }

    /** One attempt of a step, as {@code step history --json} and the console's step history give it. */
    public static ObjectNode attempt(StepRun r) {
        ObjectNode n = NODES.objectNode();
        n.put("id", r.id());
        n.put("step_id", r.stepId());
        n.put("attempt", r.attempt());
        n.put("worker_id", r.workerId());
        n.put("started_at", time(r.startedAt()));
        n.put("finished_at", time(r.finishedAt()));
        n.put("outcome", r.outcome());
        n.put("error", r.error());
        n.put("log_tail", r.logTail());
        return n;
    }

    /** ISO-8601, or null. */
    public static String time(OffsetDateTime t) {
        return t == null ? null : t.toString();
    }

    /**
     * A plan as {@code plan --json} prints it: each step with whether it would run and why, and its dependencies
     * (explicit {@code depends_on} and implicit ones, {@code "kind"}, with the resources that make them), and
     * {@code waits} (step id → why it waits for a worker) when some step waits.
     */
    public static ObjectNode plan(Plan p, List<Step> steps, List<Dependency> dependencies, Map<Integer, String> waits) {
        Map<Integer, String> titles = new HashMap<>();
        steps.forEach(s -> titles.put(s.id(), s.title()));
        Map<Integer, List<Dependency>> byStep = new HashMap<>();
        dependencies.forEach(d -> byStep.computeIfAbsent(d.stepId(), k -> new ArrayList<>()).add(d));
        ObjectNode n = NODES.objectNode();
        n.put("task_id", p.taskId());
        n.put("task_name", p.taskName());
        ArrayNode a = n.putArray("steps");
        for (Plan.PlannedStep s : p.steps()) {
            ObjectNode sn = a.addObject().put("id", s.stepId()).put("title", s.title()).put("will_run", s.willRun())
                    .put("reason", s.reason());
            ArrayNode deps = sn.putArray("dependencies");
            for (Dependency d : byStep.getOrDefault(s.stepId(), List.of())) {
                ObjectNode dn = deps.addObject().put("id", d.dependsOnId()).put("title", titles.get(d.dependsOnId()))
                        .put("kind", d.implicit() ? "implicit" : "explicit");
                ArrayNode resources = dn.putArray("resources");
                d.resources().forEach(resources::add);
            }
        }
        if (!waits.isEmpty()) {
            ObjectNode w = n.putObject("waits");
            waits.forEach((id, why) -> w.put(String.valueOf(id), why));
        }
        return n;
    }
}
