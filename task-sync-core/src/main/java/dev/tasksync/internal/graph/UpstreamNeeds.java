package dev.tasksync.internal.graph;

import dev.tasksync.spi.UpstreamNeed;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds steps whose settings leave out what they take from upstream ({@link UpstreamNeed}) while no step of a type
 * that provides it is upstream of them: such a step could only fail when it runs, so it is refused when written.
 */
public final class UpstreamNeeds {
    /** {@code step} needs what no step upstream of it provides; {@code path} names the field it left out. */
    public record Unmet<K>(K step, String path, String message) {
    }

    private UpstreamNeeds() {
    }

    /**
     * @param dependsOn every step of the task with all it waits for, explicit and implicit
     * @param types     each step's type key
     * @param needs     the steps to check, with their needs
     */
    public static <K> List<Unmet<K>> check(Map<K, List<K>> dependsOn, Map<K, String> types,
                                           Map<K, UpstreamNeed> needs) {
        List<Unmet<K>> unmet = new ArrayList<>();
        needs.forEach((step, need) -> {
            if (!upstreamHasType(dependsOn, types, step, need.types())) {
                List<String> names = need.types().stream().sorted().toList();
                String which = names.size() == 1 ? names.get(0)
                        : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
                unmet.add(new Unmet<>(step, "$." + types.get(step) + "." + need.field(),
                        "left out, and no " + which + " step is upstream to take it from; " + need.hint()));
            }
        });
        return unmet;
    }

    private static <K> boolean upstreamHasType(Map<K, List<K>> dependsOn, Map<K, String> types, K step,
                                               Set<String> wanted) {
        Set<K> seen = new HashSet<>();
        Deque<K> todo = new ArrayDeque<>(dependsOn.getOrDefault(step, List.of()));
        while (!todo.isEmpty()) {
            K up = todo.pop();
            if (!seen.add(up)) {
                continue;
            }
            if (wanted.contains(types.get(up))) {
                return true;
            }
            todo.addAll(dependsOn.getOrDefault(up, List.of()));
        }
        return false;
    }
}
