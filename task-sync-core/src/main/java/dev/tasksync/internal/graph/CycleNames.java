package dev.tasksync.internal.graph;

import org.jgrapht.Graph;
import org.jgrapht.graph.DefaultEdge;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Names the steps of one cycle in a graph that has some, for a {@code DependencyCycleException}'s message. */
final class CycleNames {
    private CycleNames() {
    }

    /** Orders the steps of a cycle by following edges, so the message reads as a loop. */
    static <K> List<K> oneCycle(Graph<K, DefaultEdge> g, Set<K> onCycles) {
        K start = onCycles.iterator().next();
        List<K> path = new ArrayList<>();
        Set<K> seen = new LinkedHashSet<>();
        K current = start;
        while (seen.add(current)) {
            path.add(current);
            K next = null;
            for (DefaultEdge e : g.outgoingEdgesOf(current)) {
                K target = g.getEdgeTarget(e);
                if (onCycles.contains(target)) {
                    next = target;
                    break;
                }
            }
            if (next == null) {
                break;
            }
            current = next;
        }
        int from = path.indexOf(current);
        return from >= 0 ? path.subList(from, path.size()) : path;
    }
}
