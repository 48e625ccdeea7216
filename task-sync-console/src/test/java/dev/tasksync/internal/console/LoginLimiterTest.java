package dev.tasksync.internal.console;

import dev.tasksync.testing.MovableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class LoginLimiterTest {
    @Test
    void fiveFailuresBlockTheAddressAndTheNameUntilTheyLeaveTheWindow() {
        MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
        LoginLimiter limiter = new LoginLimiter(clock);
        for (int i = 0; i < LoginLimiter.MAX_FAILURES; i++) {
            assertThat(limiter.blocked("10.0.0.1", "ada")).isFalse();
            limiter.failed("10.0.0.1", "ada");
            clock.advance(Duration.ofSeconds(10));
        }
        assertThat(limiter.blocked("10.0.0.1", "bob")).as("same address, other name").isTrue();
        assertThat(limiter.blocked("10.0.0.2", "ada")).as("other address, same name").isTrue();
        assertThat(limiter.blocked("10.0.0.2", "bob")).isFalse();
        clock.advance(LoginLimiter.WINDOW.minus(Duration.ofSeconds(45))); // the first failure has left
        assertThat(limiter.blocked("10.0.0.1", "ada")).isFalse();
    }
}
