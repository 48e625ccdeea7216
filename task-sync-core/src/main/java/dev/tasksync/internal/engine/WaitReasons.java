package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.StepStatus;
import org.jooq.DSLContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Why a task's waiting steps may wait for a worker that is not there: the labels a step needs
 * ({@code runs_on}) that no live worker has all of, or the Docker engine an upstream step's image or
 * container lives on that no live worker (with those labels) is on. What claims decide, said in words.
 */
public final class WaitReasons {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final DSLContext dsl;
    private final ClaimStatements.Tables tables;

    private WaitReasons(DSLContext dsl, ClaimStatements.Tables tables) {
        this.dsl = dsl;
        this.tables = tables;
    }

    public static WaitReasons on(Engine engine) {
        return new WaitReasons(engine.dsl(), engine.tables());
    }

    /** {@code hasPath}: whether it found the task's local_path on its machine; null when it has not looked yet. */
    private record LiveWorker(List<String> labels, JsonNode facts, Boolean hasPath) {
    }

    private record Pin(int upstreamId, JsonNode pinned) {
    }

    /** Step id → why it waits, for the task's steps that are not done and that no live worker would claim. */
    public Map<Integer, String> of(int taskId) {
        List<LiveWorker> live = new ArrayList<>();
        String path = dsl.resultQuery("SELECT coalesce(local_path, '') FROM " + tables.tasks() + " WHERE id = ?", taskId)
                .fetchOptional(0, String.class).orElse("");
        dsl.resultQuery("SELECT w.labels::text AS labels, w.facts::text AS facts, (SELECT wp.present FROM " + tables.workerPaths()
                        + " wp WHERE wp.worker_id = w.id AND wp.path = ?) AS has_path FROM " + tables.workers() + " w WHERE "
                        + WorkerRegistry.live("w", tables.leaseOwners()), path)
                .fetch().forEach(r -> live.add(new LiveWorker(WorkerRegistry.labels(r.get("labels", String.class)),
                        json(r.get("facts", String.class)), r.get("has_path", Boolean.class))));
        Map<Integer, List<String>> needed = new LinkedHashMap<>();
        dsl.resultQuery("SELECT c.id, " + Placement.neededLabels(tables) + "::text AS labels FROM " + tables.steps()
                        + " c WHERE c.task_id = ? AND c.status IN ('" + StepStatus.NEW.dbValue() + "', '" + StepStatus.ACTIVE.dbValue()
                        + "') ORDER BY c.id", taskId)
                .fetch().forEach(r -> needed.put(r.get("id", Integer.class), WorkerRegistry.labels(r.get("labels", String.class))));
        Map<Integer, List<Pin>> pins = new HashMap<>();
        dsl.resultQuery("SELECT pd.step_id, pu.id AS upstream, (pu.results -> 'pinned')::text AS pinned FROM " + tables.dependencies()
                        + " pd JOIN " + tables.steps() + " pu ON pu.id = pd.depends_on_id WHERE pu.task_id = ?"
                        + " AND pu.status = '" + StepStatus.COMPLETED.dbValue() + "' AND pu.results -> 'pinned' IS NOT NULL", taskId)
                .fetch().forEach(r -> pins.computeIfAbsent(r.get("step_id", Integer.class), k -> new ArrayList<>())
                        .add(new Pin(r.get("upstream", Integer.class), json(r.get("pinned", String.class)))));
        Map<Integer, String> reasons = new LinkedHashMap<>();
        needed.forEach((id, labels) -> {
            List<LiveWorker> labelled = live.stream().filter(w -> w.labels().containsAll(labels)).toList();
            if (!labels.isEmpty() && labelled.isEmpty()) {
                reasons.put(id, "waits for a worker with label" + (labels.size() == 1 ? " " : "s ") + String.join(", ", labels)
                        + ": no live worker has " + (labels.size() == 1 ? "it" : "them all"));
                return;
            }
            // acr16: workers that looked and did not find the task's local_path on their machine do not claim its steps
            List<LiveWorker> there = labelled.stream().filter(w -> !Boolean.FALSE.equals(w.hasPath())).toList();
            if (!labelled.isEmpty() && there.isEmpty()) {
                reasons.put(id, "waits for a worker on whose machine the task's local_path " + path + " exists: no live worker"
                        + (labels.isEmpty() ? "" : " with its labels") + " has it");
                return;
            }
            for (Pin pin : pins.getOrDefault(id, List.of())) {
                if (there.stream().noneMatch(w -> contains(w.facts(), pin.pinned()))) {
                    reasons.put(id, "waits for a worker " + where(pin.pinned()) + " (where step " + pin.upstreamId()
                            + " left its image or container): no live worker" + (labels.isEmpty() ? "" : " with its labels") + " is there");
                    return;
                }
            }
        });
        return reasons;
    }

    private static String where(JsonNode pinned) {
        List<String> parts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = pinned.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String name = f.getKey().equals(Placement.DOCKER_ENGINE) ? "Docker engine" : f.getKey().replace('_', ' ');
            parts.add("on " + name + " " + f.getValue().asText());
        }
        return String.join(" and ", parts);
    }

    private static boolean contains(JsonNode facts, JsonNode pinned) {
        Iterator<Map.Entry<String, JsonNode>> fields = pinned.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (facts == null || !f.getValue().equals(facts.get(f.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode json(String text) {
        try {
            return text == null ? null : MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("stored JSON is not JSON: " + text, e);
        }
    }
}
