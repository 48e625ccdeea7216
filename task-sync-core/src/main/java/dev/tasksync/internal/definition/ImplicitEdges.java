package dev.tasksync.internal.definition;

import dev.tasksync.DependencyCycleException;
import dev.tasksync.Step;
import dev.tasksync.Task;
import dev.tasksync.TaskSyncException;
import dev.tasksync.internal.graph.ImplicitDependencies;
import dev.tasksync.internal.graph.StepGraph;
import dev.tasksync.internal.graph.UpstreamNeeds;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.types.ParsedSettings;
import dev.tasksync.internal.types.StepTypeRegistry;
import dev.tasksync.spi.StepResources;
import dev.tasksync.spi.UpstreamNeed;
import org.jooq.DSLContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A task's implicit dependencies (a step waits for the steps of its task that make the image or container it
 * uses): derived from its steps' settings, checked for cycles and for what each step takes from upstream, stored.
 */
final class ImplicitEdges {
    private ImplicitEdges() {
    }

    /**
     * Derives the task's implicit dependencies from its steps' settings (a step waits for the steps of its task
     * that make the image or container it uses), refuses a cycle they close, and stores them beside depends_on
     * in the same transaction, so that claims wait for them. {@code known}: settings parsed already, by step id;
     * a stored step whose type this instance does not know makes and uses nothing.
     */
    static List<UpstreamNeeds.Unmet<Integer>> store(StepTypeRegistry registry, DSLContext t, Task task, Map<Integer, ParsedSettings> known, Set<Integer> check) {
        List<Step> steps = Store.steps(t, task.id());
        Map<Integer, List<Integer>> explicit = new LinkedHashMap<>();
        Map<Integer, ParsedSettings> parsed = new HashMap<>();
        Map<Integer, String> names = new HashMap<>();
        Map<Integer, String> types = new HashMap<>();
        for (Step s : steps) {
            explicit.put(s.id(), s.dependsOn());
            names.put(s.id(), s.id() + " '" + s.title() + "'");
            types.put(s.id(), s.type());
            ParsedSettings p = known.get(s.id());
            parsed.put(s.id(), p != null ? p : parseOrNull(registry, s));
        }
        ImplicitDependencies<Integer> implicit = ImplicitDependencies.of(explicit, parsed);
        if (!implicit.isEmpty()) {
            try {
                StepGraph.of(implicit.combined(explicit), names::get);
            } catch (DependencyCycleException e) {
                Set<String> onCycle = new HashSet<>(e.steps());
                List<String> via = new ArrayList<>();
                for (var edge : implicit.edges()) {
                    if (onCycle.contains(names.get(edge.step())) && onCycle.contains(names.get(edge.dependsOn()))) {
                        via.add(names.get(edge.step()) + " waits implicitly for " + names.get(edge.dependsOn()) + ", which makes the "
                                + String.join(", ", edge.resources().stream().map(StepResources::describe).toList())
                                + " it uses");
                    }
                }
                throw via.isEmpty() ? e : new DependencyCycleException(e.steps(), String.join("; ", via));
            }
        }
        Set<List<Integer>> edges = new HashSet<>();
        implicit.edges().forEach(edge -> edges.add(List.of(edge.step(), edge.dependsOn())));
        Store.replaceImplicitDependencies(t, task.id(), edges);
        Map<Integer, UpstreamNeed> needs = new LinkedHashMap<>();
        parsed.forEach((id, p) -> {
            if (p != null && (check == null || check.contains(id))) {
                p.upstreamNeed().ifPresent(n -> needs.put(id, n));
            }
        });
        return needs.isEmpty() ? List.of() : UpstreamNeeds.check(implicit.combined(explicit), types, needs);
    }

    /** The implicit edges of stored steps, as the engine derives them (types unknown here make and use nothing). */
    static ImplicitDependencies<Integer> of(StepTypeRegistry registry, List<Step> steps, Map<Integer, List<Integer>> explicit) {
        Map<Integer, ParsedSettings> parsed = new HashMap<>();
        steps.forEach(s -> parsed.put(s.id(), parseOrNull(registry, s)));
        return ImplicitDependencies.of(explicit, parsed);
    }

    /** A stored step's settings, or null when this instance does not know its type (it makes and uses nothing). */
    private static ParsedSettings parseOrNull(StepTypeRegistry registry, Step s) {
        try {
            return registry.parse(s.settings());
        } catch (TaskSyncException unknownHere) {
            return null;
        }
    }
}
