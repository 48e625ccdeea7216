package dev.tasksync.internal.engine;

import dev.tasksync.AttemptOutcome;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static dev.tasksync.StepStatus.ACTIVE;
import static dev.tasksync.StepStatus.CANCELLED;
import static dev.tasksync.StepStatus.COMPLETED;
import static dev.tasksync.StepStatus.FAILED;
import static dev.tasksync.StepStatus.NEW;
import static dev.tasksync.StepStatus.SKIPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StatusTransitionsTest {

    @Test
    void theTableListsEveryChangeTheEngineMakes() {
        assertThat(StatusTransitions.allowed(NEW)).containsExactlyInAnyOrder(NEW, ACTIVE, SKIPPED, CANCELLED);
        assertThat(StatusTransitions.allowed(ACTIVE)).containsExactlyInAnyOrder(ACTIVE, COMPLETED, FAILED, CANCELLED, NEW);
        for (StepStatus finished : List.of(COMPLETED, FAILED, SKIPPED, CANCELLED)) {
            assertThat(StatusTransitions.allowed(finished)).as(finished.name()).containsExactly(NEW);
        }
    }

    @Test
    void aStepIsFinishedOnlyThroughItsExecutionOrBecauseOfAnother() {
        // Only a running step completes or fails; a waiting one is skipped or cancelled, never completed.
        for (StepStatus from : StepStatus.values()) {
            boolean canFinishByRunning = StatusTransitions.isAllowed(from, COMPLETED) || StatusTransitions.isAllowed(from, FAILED);
            assertThat(canFinishByRunning).as(from.name()).isEqualTo(from == ACTIVE);
        }
        assertThat(StatusTransitions.isAllowed(ACTIVE, SKIPPED)).isFalse();
    }

    @Test
    void everyStatusIsReachableFromNewAndLeadsBackToIt() {
        Set<StepStatus> seen = EnumSet.of(NEW);
        var queue = new ArrayDeque<>(List.of(NEW));
        while (!queue.isEmpty()) {
            for (StepStatus to : StatusTransitions.allowed(queue.poll())) {
                if (seen.add(to)) {
                    queue.add(to);
                }
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(StepStatus.values());
        for (StepStatus s : StepStatus.values()) {
            assertThat(StatusTransitions.isAllowed(s, NEW)).as(s.name()).isTrue(); // a submit or a reset
        }
    }

    @Test
    void aChangeTheTableDoesNotAllowIsRefusedWhereTheStatementIsBuilt() {
        assertThat(StatusTransitions.step(NEW, ACTIVE)).isEqualTo("active");
        assertThatThrownBy(() -> StatusTransitions.step(COMPLETED, FAILED)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("from completed to failed");
        assertThatThrownBy(() -> StatusTransitions.step(EnumSet.of(NEW, SKIPPED), ACTIVE)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("skipped to active");
    }

    @Test
    void aTaskStatusFollowsItsSteps() {
        assertThat(StatusTransitions.taskStatusOf(List.of())).isEqualTo(TaskStatus.NEW);
        assertThat(StatusTransitions.taskStatusOf(List.of(NEW, NEW))).isEqualTo(TaskStatus.NEW);
        assertThat(StatusTransitions.taskStatusOf(List.of(NEW, COMPLETED))).isEqualTo(TaskStatus.ACTIVE);
        assertThat(StatusTransitions.taskStatusOf(List.of(ACTIVE, FAILED))).isEqualTo(TaskStatus.ACTIVE);
        assertThat(StatusTransitions.taskStatusOf(List.of(COMPLETED, SKIPPED))).isEqualTo(TaskStatus.FAILED);
        assertThat(StatusTransitions.taskStatusOf(List.of(FAILED, CANCELLED))).isEqualTo(TaskStatus.FAILED);
        assertThat(StatusTransitions.taskStatusOf(List.of(COMPLETED, CANCELLED))).isEqualTo(TaskStatus.CANCELLED);
        assertThat(StatusTransitions.taskStatusOf(List.of(COMPLETED, COMPLETED))).isEqualTo(TaskStatus.COMPLETED);
    }

    @Test
    void storedValuesAreTheSchemasWordsAndReadBack() {
        assertThat(List.of(StepStatus.values())).extracting(StepStatus::dbValue)
                .containsExactly("new", "active", "completed", "failed", "skipped", "cancelled");
        assertThat(List.of(TaskStatus.values())).extracting(TaskStatus::dbValue)
                .containsExactly("new", "active", "completed", "failed", "cancelled");
        assertThat(List.of(AttemptOutcome.values())).extracting(AttemptOutcome::dbValue)
                .containsExactly("completed", "failed", "timed_out", "cancelled", "abandoned", "released");
        for (AttemptOutcome o : AttemptOutcome.values()) {
            assertThat(AttemptOutcome.fromDb(o.dbValue())).isSameAs(o);
        }
        for (TaskStatus s : TaskStatus.values()) {
            assertThat(TaskStatus.fromDb(s.dbValue())).isSameAs(s);
        }
        assertThatThrownBy(() -> TaskStatus.fromDb("done")).hasMessageContaining("unknown task status 'done'");
    }
}
