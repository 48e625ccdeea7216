package dev.tasksync.internal.engine;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process run's view of readiness: the steps whose dependencies this run saw complete, and how many
 * each other step still waits for. What it holds is a hint for whom to claim: a claim still checks each
 * step's runnability in the database, and steps other workers release are found by scanning the task.
 * Written by the threads that record outcomes, read by the run's loop and by them.
 */
final class ReadySet {
    private final Set<Integer> ready = new ConcurrentSkipListSet<>(); // in id order, as claims take them
    private final Map<Integer, AtomicInteger> waitingOn = new ConcurrentHashMap<>();

    /**
     * Of the steps to run, those whose dependencies are all outside that set (completed already) are
     * ready; the others wait for their count of them.
     */
    ReadySet(Collection<Integer> toRun, TaskGraph graph) {
        Set<Integer> runSet = new HashSet<>(toRun);
        for (int id : toRun) {
            int unfinished = (int) graph.graph().directUpstreamOf(id).stream().filter(runSet::contains).count();
            if (unfinished == 0) {
                ready.add(id);
            } else {
                waitingOn.put(id, new AtomicInteger(unfinished));
            }
        }
    }

    /** A step completed here: its dependents that now wait for nothing are ready. */
    void completed(TaskGraph graph, int stepId) {
        ready.remove(stepId);
        for (int dependent : graph.graph().directDownstreamOf(stepId)) {
            AtomicInteger count = waitingOn.get(dependent);
            if (count != null && count.decrementAndGet() == 0) {
                waitingOn.remove(dependent);
                ready.add(dependent);
            }
        }
    }

    /** A step failed for good or was cancelled: it will not be claimed again by this run. */
    void gaveUp(int stepId) {
        ready.remove(stepId);
    }

    /** Up to {@code max} ready steps not running yet: the candidates of a claim. */
    List<Integer> candidates(int max, Set<Integer> running) {
        return ready.stream().filter(id -> !running.contains(id)).limit(max).toList();
    }

    /** True while some step is ready or waits for another: the run expects more to claim. */
    boolean expecting() {
        return !ready.isEmpty() || !waitingOn.isEmpty();
    }

    /** True when nothing waits and nothing but {@code stepId} is ready. */
    boolean onlyLeft(int stepId) {
        return waitingOn.isEmpty() && ready.stream().allMatch(r -> r == stepId);
    }
}
