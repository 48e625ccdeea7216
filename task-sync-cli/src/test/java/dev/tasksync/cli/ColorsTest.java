package dev.tasksync.cli;

import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskStatus;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every status has a colour (or is plain on purpose), and what is printed is the enum's stored value. */
class ColorsTest {
    private static final String ESC = "\u001b[";
    private final Colors on = Colors.of(Colors.When.always, Map.of(), false);

    @Test
    void everyStatusHasAnEntryInTheColourTables() {
        // a status added to an enum without a colour fails here, not silently as plain text on a terminal
        assertThat(Colors.STEP).containsOnlyKeys(StepStatus.values());
        assertThat(Colors.TASK).containsOnlyKeys(TaskStatus.values());
    }

    @Test
    void stepStatusesPrintTheirStoredValueInTheirColourAndThePaddingStaysPlain() {
        for (StepStatus status : StepStatus.values()) {
            assertThat(Colors.visibleLength(on.status(status))).isEqualTo(status.dbValue().length());
            assertThat(on.status(status).replaceAll("\u001b\\[[0-9;]*m", "")).isEqualTo(status.dbValue());
        }
        assertThat(on.status(StepStatus.COMPLETED)).isEqualTo(ESC + "32mcompleted" + ESC + "0m");
        assertThat(on.status(StepStatus.FAILED, 9)).isEqualTo(ESC + "31mfailed" + ESC + "0m   ");
        assertThat(on.status(StepStatus.ACTIVE)).isEqualTo(ESC + "36mactive" + ESC + "0m");
        assertThat(on.status(StepStatus.NEW, 5)).isEqualTo("new  ");
        assertThat(Colors.OFF.status(StepStatus.SKIPPED, 9)).isEqualTo("skipped  ");
    }

    @Test
    void aTaskIsColouredByItsStoredStatusAndAnUnknownOneIsShownAsItIs() {
        for (TaskStatus status : TaskStatus.values()) {
            Task task = new Task(1, "t", status.dbValue(), null, null, null);
            assertThat(on.status(task).replaceAll("\u001b\\[[0-9;]*m", "")).isEqualTo(status.dbValue());
        }
        assertThat(on.status(new Task(1, "t", TaskStatus.CANCELLED.dbValue(), null, null, null)))
                .isEqualTo(ESC + "33mcancelled" + ESC + "0m");
        assertThat(on.status(new Task(1, "t", "archived", null, null, null))).isEqualTo("archived");
    }

    @Test
    void aRunsOutcomeIsBoldAndAFailureIsInUpperCase() {
        assertThat(on.outcome(TaskStatus.COMPLETED)).isEqualTo(ESC + "1;32mcompleted" + ESC + "0m");
        assertThat(on.outcome(TaskStatus.FAILED)).isEqualTo(ESC + "1;31mFAILED" + ESC + "0m");
        assertThat(Colors.OFF.outcome(TaskStatus.CANCELLED)).isEqualTo("CANCELLED");
    }
}
