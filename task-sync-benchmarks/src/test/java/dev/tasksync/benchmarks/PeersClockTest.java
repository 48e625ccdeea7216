package dev.tasksync.benchmarks;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** peers: one clock rule for task-sync and its peers (PeersBench.RULE): storing the jobs counts, a peer's idle poll wait does not. */
class PeersClockTest {

    @Test
    void aPeersClockRunsFromTheStartOfStoringItsJobsLessItsIdleWaitForTheFirstPoll() {
        // 1,000 jobs stored in 300 ms; the first poll comes 5 s later (JobRunr's smallest interval); done 1 s after it
        PeersBench.Measured m = PeersBench.Measured.peer(1_000, 0, 300, 5_300, 6_300, 1.0);

        assertThat(m.ms()).isEqualTo(1_300.0);
        assertThat(m.rate()).isEqualTo(1_000 / 1.3);
        assertThat(m.storingLeftOutMs()).as("the rule before: from the first job's start").isEqualTo(1_000.0);
    }

    @Test
    void jobsPickedUpWhileStillBeingStoredAreNotCountedTwice() {
        // peer processes already running take the first job 100 µs into a 300 µs store (clock in µs)
        PeersBench.Measured m = PeersBench.Measured.peer(500, 1_000, 1_300, 1_100, 2_300, 1_000.0);

        assertThat(m.ms()).isEqualTo(1.3);
        assertThat(m.storingLeftOutMs()).isEqualTo(1.2);
    }

    @Test
    void taskSyncsRunIsTheSameUnderBothRules() {
        PeersBench.Measured ts = new PeersBench.Measured(10_000, 5_000);

        assertThat(ts.storingLeftOutRate()).isEqualTo(ts.rate()).isEqualTo(2_000.0);
    }
}
