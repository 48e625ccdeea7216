package dev.tasksync.internal.graph;

import dev.tasksync.internal.types.ParsedSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dependencies a task's steps have without naming them: a step that uses a resource (an image tag, a
 * container name) another step of the task makes waits for that step. Where several steps make the same
 * resource, the user waits for all of them (the order among the makers is theirs to give with depends_on).
 * A step never waits for itself, and an edge that depends_on names already is explicit, not implicit.
 *
 * @param <K> step keys: ids of stored steps, titles of definitions
 */
public final class ImplicitDependencies<K> {
    /** {@code step} waits for {@code dependsOn}, which makes {@code resources} that {@code step} uses. */
    public record Edge<K>(K step, K dependsOn, List<String> resources) {
        public Edge {
            resources = List.copyOf(resources);
        }
    }

    private final Map<K, List<Edge<K>>> byStep;

    private ImplicitDependencies(Map<K, List<Edge<K>>> byStep) {
        this.byStep = byStep;
    }

    /**
     * Derives the implicit edges. Steps are visited in the order of {@code explicit}'s keys, and each step's
     * makers in that order too, so the result is the same on every call.
     *
     * @param explicit  every step with its depends_on
     * @param produces  resource keys each step makes (a step missing here makes none)
     * @param consumes  resource keys each step uses (a step missing here uses none)
     */
    public static <K> ImplicitDependencies<K> derive(Map<K, ? extends List<K>> explicit,
                                                     Map<K, ? extends Collection<String>> produces,
                                                     Map<K, ? extends Collection<String>> consumes) {
        Map<String, List<K>> makers = new HashMap<>();
        for (K step : explicit.keySet()) {
            Collection<String> makes = produces.get(step);
            for (String resource : makes == null ? Set.<String>of() : makes) {
                makers.computeIfAbsent(resource, r -> new ArrayList<>()).add(step);
            }
        }
        Map<K, List<Edge<K>>> byStep = new LinkedHashMap<>();
        if (makers.isEmpty()) {
            return new ImplicitDependencies<>(byStep);
        }
        for (Map.Entry<K, ? extends List<K>> e : explicit.entrySet()) {
            K step = e.getKey();
            Collection<String> uses = consumes.get(step);
            if (uses == null || uses.isEmpty()) {
                continue;
            }
            Map<K, List<String>> via = new LinkedHashMap<>();
            for (String resource : uses.stream().sorted().toList()) {
                for (K maker : makers.getOrDefault(resource, List.of())) {
                    if (!maker.equals(step) && !e.getValue().contains(maker)) {
                        via.computeIfAbsent(maker, m -> new ArrayList<>()).add(resource);
                    }
                }
            }
            if (!via.isEmpty()) {
                List<Edge<K>> edges = new ArrayList<>();
                // makers in step order, not in the order the resources were met
                for (K maker : explicit.keySet()) {
                    List<String> resources = via.get(maker);
                    if (resources != null) {
                        edges.add(new Edge<>(step, maker, resources));
                    }
                }
                byStep.put(step, List.copyOf(edges));
            }
        }
        return new ImplicitDependencies<>(byStep);
    }

    /** Derives the edges from parsed settings; a step without parsed settings (null) makes and uses nothing. */
    public static <K> ImplicitDependencies<K> of(Map<K, ? extends List<K>> explicit,
                                                 Map<K, ParsedSettings> parsed) {
        Map<K, Set<String>> produces = new HashMap<>();
        Map<K, Set<String>> consumes = new HashMap<>();
        parsed.forEach((step, p) -> {
            if (p != null) {
                produces.put(step, p.produces());
                consumes.put(step, p.consumes());
            }
        });
        return derive(explicit, produces, consumes);
    }

    /** The implicit edges of {@code step}, in step order of their makers. */
    public List<Edge<K>> of(K step) {
        return byStep.getOrDefault(step, List.of());
    }

    /** Every implicit edge, by step, then by maker. */
    public List<Edge<K>> edges() {
        List<Edge<K>> all = new ArrayList<>();
        byStep.values().forEach(all::addAll);
        return all;
    }

    public boolean isEmpty() {
        return byStep.isEmpty();
    }

    /** The edge by which {@code step} waits implicitly for {@code dependsOn}, or null. */
    public Edge<K> edge(K step, K dependsOn) {
        for (Edge<K> e : of(step)) {
            if (e.dependsOn().equals(dependsOn)) {
                return e;
            }
        }
        return null;
    }

    /** Each step's depends_on followed by its implicit dependencies: the edges a run waits on. */
    public Map<K, List<K>> combined(Map<K, ? extends List<K>> explicit) {
        Map<K, List<K>> all = new LinkedHashMap<>();
        explicit.forEach((step, deps) -> {
            List<Edge<K>> implicit = of(step);
            if (implicit.isEmpty()) {
                all.put(step, deps);
            } else {
                List<K> both = new ArrayList<>(deps.size() + implicit.size());
                both.addAll(deps);
                implicit.forEach(edge -> both.add(edge.dependsOn()));
                all.put(step, both);
            }
        });
        return all;
    }
}
