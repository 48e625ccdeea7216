package dev.tasksync.internal.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The payload of a submit's wake-up, as the workers read it (WorkerClaims#hint): ranges of ids, no sender. */
class SubmitWakeUpTest {

    @Test
    void idsGoAsSortedRangesEndingInTheSpaceBeforeAnAbsentSender() {
        assertThat(Submitter.ranges(List.of(9, 2, 1, 3, 5, 10))).isEqualTo("1-3,5,9-10 ");
    }

    @Test
    void noIdsNoPayload() {
        assertThat(Submitter.ranges(List.of())).isEmpty();
    }

    @Test
    void atMostTwoHundredRanges() {
        List<Integer> apart = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            apart.add(i * 2);
        }
        String payload = Submitter.ranges(apart);

        assertThat(payload.strip().split(",")).hasSize(Submitter.WAKE_RANGES);
        assertThat(payload).endsWith(",398 ");
    }

    @Test
    void aWorkerRemembersEveryStepTheSubmitsPayloadNames() {
        WorkerClaims claims = new WorkerClaims(null, "w1", 4);

        assertThat(claims.hint(Submitter.ranges(List.of(7, 8, 9, 20)))).isTrue();
        assertThat(claims.remembered()).isEqualTo(4);
    }
}
