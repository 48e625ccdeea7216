package dev.tasksync.internal.engine;

import dev.tasksync.AttemptOutcome;
import dev.tasksync.Plan;
import dev.tasksync.Plan.PlannedStep;
import dev.tasksync.StepResult;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.tasksync.internal.store.jooq.Tables.STEP_RUNS;

/** How a run's result reports each step: executed here, by another run or worker meanwhile (who, how long), or not. */
final class RunReport {
    private final DSLContext dsl;
    private final String workerId;

    RunReport(DSLContext dsl, String workerId) {
        this.dsl = dsl;
        this.workerId = workerId;
    }

    /** The outcomes of attempts that executed to an end: {@code 'completed', 'failed', 'timed_out', 'cancelled'}. */
    private static final String EXECUTED_OUTCOMES = Arrays.stream(AttemptOutcome.values())
            .filter(AttemptOutcome::isExecuted).map(o -> "'" + o.dbValue() + "'")
            .collect(Collectors.joining(", "));
    /** The last attempt another run or worker made of a step during this run: who, and how long it took. */
    record ElsewhereRun(String owner, Duration took) {
    }

    /**
     * Of the steps this run was to execute but did not, those another run or worker executed meanwhile: their
     * attempts after the one the run loaded (or that one, when it was running then), as recorded in the history.
     * No query when this run executed all.
     */
    Map<Integer, ElsewhereRun> executedElsewhere(Plan plan, Planner.Loaded loaded, Set<Integer> executed) {
        List<PlannedStep> others = plan.steps().stream().filter(p -> p.willRun() && !executed.contains(p.stepId())).toList();
        if (others.isEmpty()) {
            return Map.of();
        }
        Integer[] ids = others.stream().map(PlannedStep::stepId).toArray(Integer[]::new);
        // An attempt in flight when the run loaded the task ends during the run: it counts.
        Integer[] seen = others.stream().map(p -> loaded.steps().get(p.stepId()))
                .map(st -> st.status() == StepStatus.ACTIVE ? st.attempt() - 1 : st.attempt()).toArray(Integer[]::new);
        Map<Integer, ElsewhereRun> found = new HashMap<>();
        dsl.resultQuery("SELECT DISTINCT ON (r.step_id) r.step_id, r.worker_id, r.started_at, r.finished_at FROM {0} r"
                        + " JOIN unnest({1}, {2}) AS v(id, seen) ON r.step_id = v.id AND r.attempt > v.seen"
                        + " WHERE r.outcome IN (" + EXECUTED_OUTCOMES + ") ORDER BY r.step_id, r.attempt DESC",
                        STEP_RUNS, DSL.val(ids, SQLDataType.INTEGER.getArrayDataType()), DSL.val(seen, SQLDataType.INTEGER.getArrayDataType()))
                .forEach(r -> {
                    OffsetDateTime from = r.get("started_at", OffsetDateTime.class);
                    OffsetDateTime to = r.get("finished_at", OffsetDateTime.class);
                    Duration took = from != null && to != null && !to.isBefore(from) ? Duration.between(from, to) : Duration.ZERO;
                    found.put(r.get("step_id", Integer.class), new ElsewhereRun(r.get("worker_id", String.class), took));
                });
        return found;
    }

    StepResult stepResult(TaskSettler.StoredStep r, Set<Integer> executed, Map<Integer, ElsewhereRun> elsewhere) {
        boolean ran = executed.contains(r.id());
        ElsewhereRun other = ran ? null : elsewhere.get(r.id());
        Duration took = other != null ? other.took()
                : ran && r.startedAt() != null && r.finishedAt() != null && !r.finishedAt().isBefore(r.startedAt())
                ? Duration.between(r.startedAt(), r.finishedAt()) : Duration.ZERO;
        return new StepResult(r.id(), r.title(), StepStatus.fromDb(r.status()), Store.parse(r.results()), took, ran,
                ran ? workerId : other != null ? other.owner() : null);
    }

}
