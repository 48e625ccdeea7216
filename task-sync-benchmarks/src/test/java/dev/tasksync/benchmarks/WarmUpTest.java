package dev.tasksync.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The warm-up rule of rows 6a-6e and 7c-7h, from given rates to the number of rounds it runs. */
class WarmUpTest {
    private final WarmUp.Rule rule = new WarmUp.Rule(3, 8, 0.05);

    @Test
    void stopsAtTheFirstRoundWithinTheToleranceOfTheBestEarlierRoundOnceTheMinimumIsRun() {
        // rising, rising, then a plateau: round 4 is 2% above round 3
        assertThat(rule.rounds(List.of(500.0, 1_000.0, 1_500.0, 1_530.0, 1_540.0))).isEqualTo(4);
    }

    @Test
    void aRoundStillRisingMoreThanTheToleranceKeepsItWarming() {
        assertThat(rule.rounds(List.of(500.0, 1_000.0, 1_100.0, 1_200.0, 1_300.0, 1_310.0))).isEqualTo(6);
    }

    @Test
    void aDipBelowTheBestIsNoPlateau() {
        // round 3 falls 30% below round 2 (a collection, a neighbour's burst): run on until a round is near the best
        assertThat(rule.rounds(List.of(900.0, 1_000.0, 700.0, 980.0))).isEqualTo(4);
    }

    @Test
    void neverFewerThanTheMinimumEvenIfTheSecondRoundMatchesTheFirst() {
        assertThat(rule.rounds(List.of(1_000.0, 1_000.0, 1_000.0))).isEqualTo(3);
        assertThat(rule.done(List.of(1_000.0, 1_000.0))).isFalse();
    }

    @Test
    void stopsAtTheMaximumWhateverTheRates() {
        List<Double> rising = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rising.add(100.0 * (i + 1));
        }
        assertThat(rule.rounds(rising)).isEqualTo(8);
    }

    @Test
    void theRunnerRunsRoundsUntilTheRuleSaysSo() throws Exception {
        double[] rates = {400, 800, 1_200, 1_190, 5_000};
        List<Integer> ran = new ArrayList<>();

        List<Double> got = WarmUp.run("a test", round -> {
            ran.add(round);
            return rates[round - 1];
        }, () -> 42); // compiles nothing

        assertThat(ran).containsExactly(1, 2, 3, 4);
        assertThat(got).containsExactly(400.0, 800.0, 1_200.0, 1_190.0);
    }

    @Test
    void refusesARuleThatCouldNotCompareTwoRounds() {
        assertThatThrownBy(() -> new WarmUp.Rule(1, 8, 0.05)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WarmUp.Rule(3, 2, 0.05)).isInstanceOf(IllegalArgumentException.class);
    }

    private final WarmUp.Jit jit = new WarmUp.Jit(0.05, 12);

    @Test
    void anInProcessSideStillCompilingWarmsOnPastTheRatesPlateau() {
        List<Double> rates = List.of(500.0, 1_000.0, 1_500.0, 1_530.0);
        assertThat(rule.done(rates)).as("the rates alone have plateaued").isTrue();
        assertThat(jit.done(rule, rates, List.of(0.9, 0.5, 0.3, 0.2))).as("a fifth of round 4 was compiling").isFalse();
        assertThat(jit.done(rule, rates, List.of(0.9, 0.5, 0.3, 0.04))).isTrue();
    }

    @Test
    void aQuietJitDoesNotEndAWarmUpWhoseRatesStillRise() {
        assertThat(jit.done(rule, List.of(500.0, 1_000.0, 1_500.0, 2_000.0), List.of(0.0, 0.0, 0.0, 0.0))).isFalse();
    }

    @Test
    void theJitRuleEndsAtItsOwnMaximumWhateverTheCompiling() {
        List<Double> rates = new ArrayList<>();
        List<Double> shares = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            rates.add(1_000.0);
            shares.add(0.5);
        }
        assertThat(jit.done(rule, rates, shares)).as("11 rounds, past the rates' maximum of 8").isFalse();
        rates.add(1_000.0);
        shares.add(0.5);
        assertThat(jit.done(rule, rates, shares)).isTrue();
    }

    @Test
    void theRunnerCountsEachRoundsCompilingOnTheClockItIsGiven() throws Exception {
        long[] compiled = {0};
        List<Double> got = WarmUp.run("a test", round -> {
            // rounds 1-5 compile for a thousand seconds each (more than any round's time), later rounds nothing
            compiled[0] += round <= 5 ? 1_000_000 : 0;
            return 1_000.0;
        }, () -> compiled[0]);
        assertThat(got).as("the rates plateau at round 3; the compiling stops after round 5").hasSize(6);

        List<Double> unknown = WarmUp.run("a test", round -> 1_000.0, WarmUp.CompileClock.NOT_COUNTED);
        assertThat(unknown).as("not counted: the rates' rule alone").hasSize(WarmUp.RULE.minRounds());
    }
}
