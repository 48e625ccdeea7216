package dev.tasksync.internal.engine;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The planner's kept inputs: one entry per step, bounded by the files held in total. */
class RecentInputsTest {
    /** Inputs of {@code files} watched files, their hashes all {@code version}. */
    private static Inputs inputs(int files, String version) {
        Map<String, String> hashes = new HashMap<>();
        for (int i = 0; i < files; i++) {
            hashes.put("f" + i, version);
        }
        return new Inputs("{}", hashes, Map.of());
    }

    @Test
    void aStepSubmittedAgainKeepsOnlyItsNewestInputs() {
        RecentInputs recent = new RecentInputs(3, 100);
        Inputs first = inputs(10, "1");
        Inputs second = inputs(10, "2");
        recent.put(7, "fp1", first);
        recent.put(7, "fp2", second);
        assertThat(recent.get(7, "fp1")).isNull();
        assertThat(recent.get(7, "fp2")).isSameAs(second);
        assertThat(recent.steps()).isEqualTo(1);
        assertThat(recent.files()).isEqualTo(10);
    }

    @Test
    void inputsAreFoundOnlyForTheirStepAndFingerprint() {
        RecentInputs recent = new RecentInputs(3, 100);
        recent.put(1, "fp", inputs(5, "1"));
        assertThat(recent.get(1, "other")).isNull();
        assertThat(recent.get(2, "fp")).isNull();
        assertThat(recent.get(1, "fp")).isNotNull();
    }

    @Test
    void smallInputsAreNotKeptAndDropWhatTheStepHadKept() {
        RecentInputs recent = new RecentInputs(3, 100);
        recent.put(1, "big", inputs(5, "1"));
        recent.put(1, "small", inputs(2, "2"));
        assertThat(recent.get(1, "big")).isNull();
        assertThat(recent.get(1, "small")).isNull();
        assertThat(recent.steps()).isZero();
        assertThat(recent.files()).isZero();
    }

    @Test
    void theFilesHeldInTotalStayWithinTheBoundTheLeastRecentlyUsedStepGoingFirst() {
        RecentInputs recent = new RecentInputs(3, 25);
        recent.put(1, "a", inputs(10, "1"));
        recent.put(2, "b", inputs(10, "1"));
        assertThat(recent.get(1, "a")).isNotNull(); // used: step 2 is now the eldest
        recent.put(3, "c", inputs(10, "1"));
        assertThat(recent.files()).isEqualTo(20);
        assertThat(recent.get(2, "b")).isNull();
        assertThat(recent.get(1, "a")).isNotNull();
        assertThat(recent.get(3, "c")).isNotNull();
    }

    @Test
    void inputsLargerThanTheWholeBoundAreNotKept() {
        RecentInputs recent = new RecentInputs(3, 25);
        recent.put(1, "a", inputs(10, "1"));
        recent.put(2, "huge", inputs(26, "1"));
        assertThat(recent.get(2, "huge")).isNull();
        assertThat(recent.get(1, "a")).isNotNull();
        assertThat(recent.files()).isEqualTo(10);
    }
}
