package dev.tasksync.internal.engine;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/** The planner's kept inputs: one entry per step, at least 3 files each here, 25 files in total at the most. */
class RecentInputsTest {
    private final RecentInputs recent = new RecentInputs(3, 25);

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
        Inputs second = inputs(10, "2");
        recent.put(7, "fp1", inputs(10, "1"));
        recent.put(7, "fp2", second);
        assertThat(recent.fingerprints()).containsExactly(entry(7, "fp2"));
        assertThat(recent.get(7, "fp1")).isNull();
        assertThat(recent.get(7, "fp2")).isSameAs(second);
        assertThat(recent.files()).isEqualTo(10);
    }

    @Test
    void inputsAreFoundOnlyForTheirStepAndFingerprint() {
        recent.put(1, "fp", inputs(5, "1"));
        assertThat(recent.get(1, "other")).isNull();
        assertThat(recent.get(2, "fp")).isNull();
        assertThat(recent.get(1, "fp")).isNotNull();
    }

    @Test
    void smallInputsAreNotKeptAndDropWhatTheStepHadKept() {
        recent.put(1, "big", inputs(5, "1"));
        recent.put(1, "small", inputs(2, "2"));
        assertThat(recent.fingerprints()).isEmpty();
        assertThat(recent.files()).isZero();
    }

    @Test
    void theFilesHeldInTotalStayWithinTheBoundTheLeastRecentlyUsedStepGoingFirst() {
        recent.put(1, "a", inputs(10, "1"));
        recent.put(2, "b", inputs(10, "1"));
        recent.get(1, "a"); // used: step 2 is now the eldest
        recent.put(3, "c", inputs(10, "1"));
        assertThat(recent.fingerprints()).containsExactly(entry(1, "a"), entry(3, "c"));
        assertThat(recent.files()).isEqualTo(20);
    }

    @Test
    void inputsLargerThanTheWholeBoundAreNotKept() {
        recent.put(1, "a", inputs(10, "1"));
        recent.put(2, "huge", inputs(26, "1"));
        assertThat(recent.fingerprints()).containsExactly(entry(1, "a"));
        assertThat(recent.files()).isEqualTo(10);
    }
}
