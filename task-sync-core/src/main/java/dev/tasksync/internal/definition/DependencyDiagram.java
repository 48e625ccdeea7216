package dev.tasksync.internal.definition;

import dev.tasksync.Step;
import dev.tasksync.internal.graph.ImplicitDependencies;
import dev.tasksync.internal.graph.StepGraph;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's dependency graph drawn as text (Graphviz DOT or Mermaid): its explicit edges and the implicit ones
 * (an image or container one step makes and another uses), the implicit ones drawn apart.
 */
public final class DependencyDiagram {
    private final DefinitionWriter definitions;

    public DependencyDiagram(DefinitionWriter definitions) {
        this.definitions = definitions;
    }

    /** The graph of {@code steps} (one task's, in id order) in {@code format}: {@code "dot"} or {@code "mermaid"}. */
    public String render(List<Step> steps, String format) {
        Map<Integer, List<Integer>> deps = new LinkedHashMap<>();
        Map<Integer, String> titles = new HashMap<>();
        steps.forEach(s -> {
            deps.put(s.id(), s.dependsOn());
            titles.put(s.id(), s.title());
        });
        ImplicitDependencies<Integer> implicit = definitions.implicitDependencies(steps, deps);
        return StepGraph.of(implicit.combined(deps), id -> id + " '" + titles.get(id) + "'")
                .render(format, id -> id + ": " + titles.get(id), (from, to) -> implicit.edge(to, from) != null);
    }
}
