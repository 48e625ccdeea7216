package dev.tasksync.internal.definition;

import dev.tasksync.DependencyCycleException;
import dev.tasksync.InvalidDependencyException;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.NotFoundException;
import dev.tasksync.Step;
import dev.tasksync.Task;
import dev.tasksync.TaskSyncException;
import dev.tasksync.internal.graph.StepGraph;
import dev.tasksync.internal.graph.UpstreamNeeds;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** What a single step's create, edit or delete must not break: unique titles, dependencies in the task, no cycle. */
final class StepEditChecks {
    private StepEditChecks() {
    }

    /** Titles identify steps within a task (saving a definition matches by title). */
    static void checkTitleIsFree(DSLContext t, Task task, String title, Integer stepId) {
        for (Step other : Store.steps(t, task.id())) {
            if (other.title().equals(title) && (stepId == null || other.id() != stepId)) {
                throw new TaskSyncException("the step title '" + title + "' is taken: task " + task.id() + " '" + task.name()
                        + "' already has step " + other.id() + " with it; titles identify steps within a task");
            }
        }
    }

    /** The step and every step that waits for it, directly or not, explicitly or implicitly, as stored now. */
    static Set<Integer> downstreamOf(DSLContext t, int taskId, int stepId) {
        Map<Integer, List<Integer>> waiters = new HashMap<>();
        for (Step s : Store.steps(t, taskId)) {
            s.dependsOn().forEach(d -> waiters.computeIfAbsent(d, k -> new ArrayList<>()).add(s.id()));
        }
        Store.implicitDependencies(t, taskId).forEach(e -> waiters.computeIfAbsent(e.get(1), k -> new ArrayList<>()).add(e.get(0)));
        Set<Integer> seen = new HashSet<>();
        Deque<Integer> todo = new ArrayDeque<>(List.of(stepId));
        while (!todo.isEmpty()) {
            int id = todo.pop();
            if (seen.add(id)) {
                todo.addAll(waiters.getOrDefault(id, List.of()));
            }
        }
        return seen;
    }

    /** A step that takes from upstream what nothing upstream of it provides is refused (the transaction rolls back). */
    static void refuseUnmet(List<UpstreamNeeds.Unmet<Integer>> unmet) {
        if (!unmet.isEmpty()) {
            throw new InvalidSettingsException(unmet.stream()
                    .map(u -> new InvalidSettingsException.Problem(u.path(), u.message())).toList());
        }
    }

    /** Each id must be a step of the task; with the edited step's new dependencies the task must stay acyclic. */
    static void checkDependencies(DSLContext t, Task task, String title, Integer stepId, List<Integer> dependsOn) {
        if (dependsOn.isEmpty()) {
            return;
        }
        List<Step> steps = Store.steps(t, task.id());
        Map<Integer, List<Integer>> graph = new LinkedHashMap<>();
        Map<Integer, String> titles = new HashMap<>();
        steps.forEach(s -> {
            graph.put(s.id(), s.dependsOn());
            titles.put(s.id(), s.title());
        });
        for (int dep : dependsOn) {
            if (stepId != null && dep == stepId) {
                throw new DependencyCycleException(List.of(stepId + " '" + title + "'"));
            }
            if (!graph.containsKey(dep)) {
                Optional<Step> other = Optional.empty();
                try {
                    other = Optional.of(Store.step(t, dep));
                } catch (NotFoundException ignored) {
                    // reported below
                }
                throw new InvalidDependencyException(title, "step " + dep, other
                        .map(o -> "which belongs to another task (" + o.taskId() + "); depends_on names steps of the same task")
                        .orElse("which does not exist"));
            }
        }
        if (stepId != null) {
            graph.put(stepId, dependsOn);
            StepGraph.of(graph, id -> id + " '" + (id.equals(stepId) ? title : titles.get(id)) + "'");
        }
    }
}
