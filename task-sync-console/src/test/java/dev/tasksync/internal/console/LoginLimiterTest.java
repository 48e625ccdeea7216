package dev.tasksync.internal.console;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class LoginLimiterTest {
    /** A clock the test moves. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void fiveFailuresBlockTheAddressAndTheNameUntilTheyLeaveTheWindow() {
        TestClock clock = new TestClock();
        LoginLimiter limiter = new LoginLimiter(clock);
        for (int i = 0; i < LoginLimiter.MAX_FAILURES; i++) {
            assertThat(limiter.blocked("10.0.0.1", "ada")).isFalse();
            limiter.failed("10.0.0.1", "ada");
            clock.now = clock.now.plusSeconds(10);
        }
        assertThat(limiter.blocked("10.0.0.1", "bob")).as("same address, other name").isTrue();
        assertThat(limiter.blocked("10.0.0.2", "ada")).as("other address, same name").isTrue();
        assertThat(limiter.blocked("10.0.0.2", "bob")).isFalse();
        clock.now = clock.now.plus(LoginLimiter.WINDOW).minus(Duration.ofSeconds(45)); // the first failure has left
        assertThat(limiter.blocked("10.0.0.1", "ada")).isFalse();
    }
}
