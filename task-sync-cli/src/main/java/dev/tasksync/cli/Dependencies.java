package dev.tasksync.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tasksync.Dependency;
import dev.tasksync.Step;
import dev.tasksync.spi.StepResources;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import dev.tasksync.TaskSync;
import java.util.Comparator;

/**
 * A task's dependencies as {@code plan} and {@code step show} print them: explicit ones ({@code depends_on}) and
 * implicit ones (the step uses an image or container another step of the task makes), marked as such.
 */
final class Dependencies {
    private final Map<Integer, List<Dependency>> byStep = new HashMap<>();
    private final Map<Integer, String> titles = new HashMap<>();

    private Dependencies(List<Step> steps, List<Dependency> all) {
        steps.forEach(s -> titles.put(s.id(), s.title()));
        all.forEach(d -> byStep.computeIfAbsent(d.stepId(), k -> new ArrayList<>()).add(d));
    }

    static Dependencies of(TaskSync ts, int taskId) {
        return new Dependencies(ts.steps(taskId), ts.dependencies(taskId));
    }

    List<Dependency> of(int stepId) {
        return byStep.getOrDefault(stepId, List.of());
    }

    List<Dependency> implicit() {
        return byStep.values().stream().flatMap(List::stream).filter(Dependency::implicit)
                .sorted(Comparator.comparingInt(Dependency::stepId).thenComparingInt(Dependency::dependsOnId))
                .toList();
    }

    String step(int id) {
        return id + " '" + titles.getOrDefault(id, "?") + "'";
    }

    /** {@code 2 'Build App Image' (implicit: it makes image my-app:1.0)} or {@code 1 'Check' (depends_on)}. */
    String describe(Dependency d) {
        return step(d.dependsOnId()) + (d.implicit() ? " (implicit: it makes " + uses(d) + ")" : " (depends_on)");
    }

    /** {@code 3 'Run' waits for 2 'Build', which makes image my-app:1.0 it uses}. */
    String why(Dependency d) {
        return step(d.stepId()) + " waits for " + step(d.dependsOnId()) + ", which makes the " + uses(d) + " it uses";
    }

    private static String uses(Dependency d) {
        return d.resources().stream().map(StepResources::describe).collect(Collectors.joining(", "));
    }

    /** {@code [{"id": 2, "title": "...", "kind": "implicit", "resources": ["image:my-app:1.0"]}, ...]}. */
    void json(ArrayNode into, int stepId) {
        for (Dependency d : of(stepId)) {
            var n = into.addObject().put("id", d.dependsOnId()).put("title", titles.get(d.dependsOnId()))
                    .put("kind", d.implicit() ? "implicit" : "explicit");
            ArrayNode resources = n.putArray("resources");
            d.resources().forEach(resources::add);
        }
    }
}
