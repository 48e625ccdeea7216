package dev.tasksync.internal.engine;

import dev.tasksync.internal.graph.StepGraph;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** What executing a task's steps needs to know about the task: where it lives and how its steps connect. */
record TaskGraph(int taskId, String taskName, Path localPath, StepGraph<Integer> graph,
                 Map<Integer, String> titles, Map<Integer, String> types) {

    static TaskGraph of(Planner.Loaded loaded) {
        Map<Integer, String> titles = new HashMap<>();
        Map<Integer, String> types = new HashMap<>();
        loaded.steps().forEach((id, step) -> {
            titles.put(id, step.title());
            types.put(id, step.type());
        });
        return new TaskGraph(loaded.task().id(), loaded.task().name(), loaded.localPath(), loaded.graph(), titles, types);
    }

    boolean contains(int stepId) {
        return titles.containsKey(stepId);
    }
}
