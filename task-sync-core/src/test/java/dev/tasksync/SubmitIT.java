package dev.tasksync;

import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.testing.Intercepted;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.TestSteps.independentSleeps;

/** What a submit sends: named statements of submit.sql, whose size does not grow with the task. */
class SubmitIT {
    private static final int STEPS = 40;
    /** The text of every statement prepared, in order. */
    final List<String> prepared = new CopyOnWriteArrayList<>();
    TaskSync ts;

    @BeforeEach
    void open() {
        ts = TaskSync.builder().schema(TestDatabase.newSchema()).stepType(new TestSteps.SleepType())
                .dataSource(Intercepted.dataSource(TestDatabase.dataSource(), () -> (method, args) -> {
                    if (method.equals("prepareStatement")) {
                        prepared.add(String.valueOf(args[0]));
                    }
                }, null)).build();
    }

    @AfterEach
    void close() {
        ts.close();
    }

    private long named(String name) {
        return prepared.stream().filter(sql -> NamedQuery.is(sql, name)).count();
    }

    /** The most {@code ?} one statement prepared since the last clear had. */
    private long mostPlaceholders() {
        return prepared.stream().mapToLong(sql -> sql.chars().filter(c -> c == '?').count()).max().orElse(0);
    }

    private Task saved() {
        return ts.save(independentSleeps("many", STEPS, 1));
    }

    @Test
    void aRerunThatChangesNothingMarksItsStepsUpToDateInOneNamedStatementAndThenWritesNoRow() {
        Task task = saved();
        assertThat(ts.run(task.id(), RunOptions.defaults()).succeeded()).isTrue();

        prepared.clear();
        RunResult again = ts.run(task.id(), RunOptions.defaults());
        assertThat(again.steps()).hasSize(STEPS).noneMatch(StepResult::executed);
        assertThat(named("markUpToDate")).isEqualTo(1);
        // the step ids go as one array: no statement binds a value per step
        assertThat(mostPlaceholders()).isLessThan(STEPS);
        assertThat(Rows.query(ts, "SELECT count(*) AS n FROM ${schema}.steps WHERE results -> 'up_to_date' = 'true'::jsonb"))
                .containsExactly(Map.of("n", (long) STEPS));

        // marked already: the next no-op re-run writes no step row (same row versions)
        String versions = "SELECT string_agg(xmin::text, ',' ORDER BY id) AS v FROM ${schema}.steps";
        Object before = Rows.query(ts, versions).get(0).get("v");
        assertThat(ts.run(task.id(), RunOptions.defaults()).steps()).noneMatch(StepResult::executed);
        assertThat(Rows.query(ts, versions).get(0).get("v")).isEqualTo(before);
    }

    @Test
    void aForcedRunMakesEveryStepRunnableInOneNamedStatementWithTheClaim() {
        Task task = saved();
        ts.run(task.id(), RunOptions.defaults());

        prepared.clear();
        RunResult forced = ts.run(task.id(), RunOptions.defaults().withForce(true));
        assertThat(forced.steps()).hasSize(STEPS).allMatch(StepResult::executed);
        assertThat(forced.succeeded()).isTrue();
        // one statement for all the steps (which the run may send together with its first claim)
        assertThat(prepared.stream().filter(sql -> sql.contains(NamedQuery.tag("makeRunnable")))).hasSize(1);
        assertThat(mostPlaceholders()).isLessThan(STEPS);
    }

    @Test
    void theLightProgressReadNamesEachStepsTypeFromItsSettings() {
        Task task = saved();
        assertThat(ts.stepProgress(task.id()).values()).hasSize(STEPS)
                .allSatisfy(p -> assertThat(p.type()).isEqualTo("sleep"));
    }
}
