package dev.tasksync.internal.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process run's view of readiness: the steps whose dependencies this run saw complete and that it does not
 * hold, the steps it holds (claimed, not yet recorded), and how many each other step still waits for. What it holds
 * is a hint for whom to claim: a claim still checks each step's runnability in the database, and steps other
 * workers release are found by scanning the task. Written by the threads that claim and record, read by the run's
 * loop and by them.
 *
 * <p>A step the run claimed leaves the ready steps until its claim ends without completing it (given back, lost,
 * or to be retried): the candidates of a claim are then the first ready steps as they are, with no walk past the
 * hundreds a fan-out holds at once (that walk, once per completion, took most of a no-op step's CPU).
 */
final class ReadySet {
    private final Set<Integer> ready = new ConcurrentSkipListSet<>(); // in id order, as claims take them
    /** Claimed by this run and not recorded as completed or given up yet. */
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();
    private final Map<Integer, AtomicInteger> waitingOn = new ConcurrentHashMap<>();

    /**
     * Of the steps to run, those whose dependencies are all outside that set (completed already) are
     * ready; the others wait for their count of them.
     */
    ReadySet(Collection<Integer> toRun, TaskGraph graph) {
        Set<Integer> runSet = new HashSet<>(toRun);
        for (int id : toRun) {
            int unfinished = 0; // Counted in a loop, not with a stream per step (on the run's thread, before its first claim)
            for (int up : graph.graph().directUpstreamOf(id)) {
                if (runSet.contains(up)) {
                    unfinished++;
                }
            }
            if (unfinished == 0) {
                ready.add(id);
            } else {
                waitingOn.put(id, new AtomicInteger(unfinished));
            }
        }
    }

    /** This run claimed the step (before it starts): it is no candidate while held. */
    void claimed(int stepId) {
        Integer id = stepId;
        held.add(id);
        ready.remove(id);
    }

    /**
     * The run's claim of the step ended without an outcome that settles it (given back, lease lost, a retry due): it
     * is ready again, unless it still waits for a dependency (it was claimed with the outcome that releases it).
     */
    void released(int stepId) {
        if (held.remove(stepId) && !waitingOn.containsKey(stepId)) {
            ready.add(stepId);
        }
    }

    /** A step completed here: its dependents that now wait for nothing are ready, unless the run holds them already. */
    void completed(TaskGraph graph, int stepId) {
        // It waits for nothing any more: a step claimed with the outcome that released it may complete before that
        // outcome's thread gets here, and must not turn ready then.
        Integer id = stepId; // boxed once, not per set
        waitingOn.remove(id);
        ready.remove(id);
        held.remove(id);
        for (int dependent : graph.graph().directDownstreamOf(stepId)) {
            AtomicInteger count = waitingOn.get(dependent);
            if (count != null && count.decrementAndGet() == 0) {
                waitingOn.remove(dependent);
                // read after the removal: a concurrent release (see released) sees one or the other
                if (!held.contains(dependent)) {
                    ready.add(dependent);
                }
            }
        }
    }

    /** A step failed for good or was cancelled: it will not be claimed again by this run. */
    void gaveUp(int stepId) {
        waitingOn.remove(stepId);
        ready.remove(stepId);
        held.remove(stepId);
    }

    /** Up to {@code max} ready steps, none held by this run, lowest id first: the candidates of a claim. */
    List<Integer> candidates(int max) {
        List<Integer> out = new ArrayList<>(Math.min(max, 64));
        for (Iterator<Integer> it = ready.iterator(); it.hasNext() && out.size() < max; ) {
            out.add(it.next());
        }
        return out;
    }

    /** True when some step is ready and not held here: a claim has candidates besides what an outcome releases. */
    boolean anyReady() {
        return !ready.isEmpty();
    }

    /** True while some step is ready, held here or waits for another: the run expects more to claim or record. */
    boolean expecting() {
        return !ready.isEmpty() || !held.isEmpty() || !waitingOn.isEmpty();
    }

    /** True when nothing waits and nothing but {@code stepId} is ready or held. */
    boolean onlyLeft(int stepId) {
        return waitingOn.isEmpty() && ready.stream().allMatch(r -> r == stepId) && held.stream().allMatch(r -> r == stepId);
    }
}
