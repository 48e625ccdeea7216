package dev.tasksync.internal.engine;

import dev.tasksync.AttemptOutcome;
import dev.tasksync.Plan;
import dev.tasksync.Plan.PlannedStep;
import dev.tasksync.StepResult;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.internal.sql.Params;
import dev.tasksync.internal.sql.SqlFile;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** How a run's result reports each step: executed here, by another run or worker meanwhile (who, how long), or not. */
final class RunReport {
    private static final SqlFile SQL = SqlFile.load(RunReport.class, "report.sql");
    private static final NamedQuery EXECUTED_ELSEWHERE = SQL.query("executedElsewhere");
    private static final NamedQuery PENDING = SQL.query("pending");
    /** The outcomes of attempts that executed to an end: {@code completed, failed, timed_out, cancelled}. */
    private static final String[] EXECUTED_OUTCOMES = Arrays.stream(AttemptOutcome.values())
            .filter(AttemptOutcome::isExecuted).map(AttemptOutcome::dbValue).toArray(String[]::new);

    private final DSLContext dsl;
    private final String workerId;
    private final Map<String, String> tables;

    RunReport(DSLContext dsl, String workerId) {
        this.dsl = dsl;
        this.workerId = workerId;
        this.tables = ClaimStatements.Tables.of(dsl).identifiers();
    }

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
        EXECUTED_ELSEWHERE.render(tables).bind(Params.of().set("ids", ids).set("seen", seen).set("outcomes", EXECUTED_OUTCOMES))
                .query(dsl)
                .forEach(r -> {
                    OffsetDateTime from = r.get("started_at", OffsetDateTime.class);
                    OffsetDateTime to = r.get("finished_at", OffsetDateTime.class);
                    Duration took = from != null && to != null && !to.isBefore(from) ? Duration.between(from, to) : Duration.ZERO;
                    found.put(r.get("step_id", Integer.class), new ElsewhereRun(r.get("worker_id", String.class), took));
                });
        return found;
    }

    /** What is left of a task: how many steps workers hold (the first of them), and when the next retry is due. */
    Engine.Pending pending(int taskId) {
        var r = PENDING.render(tables).bind(Params.of().set("task_id", taskId)).query(dsl).fetchOne();
        int active = r.get("active", Integer.class);
        List<Engine.Held> held = new ArrayList<>();
        if (active > 0) {
            for (var h : Store.parse(r.get("held", String.class))) {
                held.add(new Engine.Held(h.get("id").asInt(), h.get("title").asText(), h.path("owner").asText(null), h.get("attempt").asInt(),
                        h.path("until").isTextual() ? OffsetDateTime.parse(h.get("until").asText()) : null));
            }
        }
        return new Engine.Pending(active, r.get("next_retry", OffsetDateTime.class), held);
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
