package dev.tasksync.internal.engine;

import dev.tasksync.AttemptOutcome;
import dev.tasksync.RunListener;
import dev.tasksync.StepResult;
import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;

/**
 * What an in-process run tells its listener of the steps others hold: that it waits for them (once per step
 * and attempt), and how they ended. Only the run's loop thread uses it.
 */
final class ElsewhereReports {
    private final DSLContext dsl;
    private final String workerId;
    private final RunListener listener;
    /** Steps held by other owners that this run was told about (step id and attempt), so that each is told once. */
    private final Set<List<Integer>> heldReported = new HashSet<>();
    /** Steps this run was told others hold, with their owner, until they are seen to end. */
    private final Map<Integer, String> heldElsewhere = new HashMap<>();
    /** Steps others executed whose end this run told its listener of. */
    private final Set<Integer> reportedElsewhere = new HashSet<>();

    ElsewhereReports(DSLContext dsl, String workerId, RunListener listener) {
        this.dsl = dsl;
        this.workerId = workerId;
        this.listener = listener;
    }

    /** Steps executed by another run or worker whose end the listener was told of. */
    Set<Integer> reported() {
        return reportedElsewhere;
    }

    /** Tells the listener, once per step and attempt, of the steps this run waits for that others hold. */
    void reportHeld(Engine.Pending pending, Set<Integer> running) {
        if (!heldElsewhere.isEmpty()) {
            reportEnded(pending, running);
        }
        for (Engine.Held h : pending.held()) {
            if (!running.contains(h.stepId()) && heldReported.add(List.of(h.stepId(), h.attempt()))) {
                String owner = workerId.equals(h.owner()) ? h.owner() + " (another run of this process)" : h.owner();
                listener.waitingForLease(h.stepId(), h.title(), owner, h.until());
                if (listener != RunListener.NONE && h.owner() != null) {
                    heldElsewhere.put(h.stepId(), h.owner());
                }
            }
        }
    }

    /**
     * Tells the listener of the steps held elsewhere that are no longer active: executed there (completed, failed,
     * or failed and waiting for another attempt), or given back (then nothing is told; whoever takes it next is).
     */
    private void reportEnded(Engine.Pending pending, Set<Integer> running) {
        Set<Integer> stillHeld = new HashSet<>();
        pending.held().forEach(h -> stillHeld.add(h.stepId()));
        for (var it = heldElsewhere.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (stillHeld.contains(e.getKey()) || running.contains(e.getKey())) {
                continue;
            }
            var step = Store.step(dsl, e.getKey());
            if (step.status() == StepStatus.ACTIVE) {
                continue; // held still (beyond the first of them that pending lists), or taken over
            }
            it.remove();
            var last = lastRun(e.getKey());
            if (last == null || !e.getValue().equals(last.workerId()) || last.finishedAt() == null
                    || last.is(AttemptOutcome.RELEASED) || last.is(AttemptOutcome.ABANDONED)) {
                continue;
            }
            Duration took = last.startedAt() != null && !last.finishedAt().isBefore(last.startedAt())
                    ? Duration.between(last.startedAt(), last.finishedAt()) : Duration.ZERO;
            if (step.status() != StepStatus.NEW) {
                reportedElsewhere.add(step.id());
            }
            listener.stepFinished(new StepResult(step.id(), step.title(), step.status(), step.results(), took, false, last.workerId()));
        }
    }

    /** A step's last attempt as its history has it, or null. */
    private StepRun lastRun(int stepId) {
        var r = dsl.selectFrom(STEP_RUNS).where(STEP_RUNS.STEP_ID.eq(stepId)).orderBy(STEP_RUNS.ATTEMPT.desc(), STEP_RUNS.ID.desc())
                .limit(1).fetchOne();
        return r == null ? null : new StepRun(r.getId(), r.getStepId(), r.getAttempt(), r.getWorkerId(), r.getStartedAt(),
                r.getFinishedAt(), r.getOutcome(), r.getError(), r.getLogTail());
    }
}
