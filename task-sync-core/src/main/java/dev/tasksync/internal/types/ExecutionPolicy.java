package dev.tasksync.internal.types;

import dev.tasksync.spi.JsonSettings;

import java.time.Duration;

/**
 * How the engine executes a step, read by the core from the type's settings object for every type:
 * {@code retries} (extra attempts after a failure), {@code retry_backoff_seconds} (doubling after
 * each attempt) and {@code timeout_seconds}.
 */
public record ExecutionPolicy(int retries, Duration backoff, Duration timeout) {
    public static final String RETRIES = "retries";
    public static final String BACKOFF = "retry_backoff_seconds";
    public static final String TIMEOUT = "timeout_seconds";
    public static final int MAX_RETRIES = 1_000;
    /** One week: a longer wait between attempts is a schedule, not a backoff. */
    public static final long MAX_BACKOFF_SECONDS = 7 * 24 * 3600;
    /** One year. */
    public static final long MAX_TIMEOUT_SECONDS = 365 * 24 * 3600;
    public static final ExecutionPolicy DEFAULT = new ExecutionPolicy(0, Duration.ofSeconds(1), null);

    public static ExecutionPolicy read(JsonSettings value) {
        if (!value.isObject()) {
            return DEFAULT;
        }
        int retries = value.optionalInt(RETRIES).orElse(0);
        if (retries < 0 || retries > MAX_RETRIES) {
            throw value.field(RETRIES).invalid("must be between 0 and " + MAX_RETRIES + ", was " + retries);
        }
        Duration backoff = value.optionalField(BACKOFF).map(f -> seconds(f, true, MAX_BACKOFF_SECONDS)).orElse(DEFAULT.backoff);
        Duration timeout = value.optionalField(TIMEOUT).map(f -> seconds(f, false, MAX_TIMEOUT_SECONDS)).orElse(null);
        return new ExecutionPolicy(retries, backoff, timeout);
    }

    private static Duration seconds(JsonSettings field, boolean zeroAllowed, long max) {
        double s = field.asDouble();
        if (!Double.isFinite(s) || s < 0 || (!zeroAllowed && s == 0)) {
            throw field.invalid(zeroAllowed ? "must not be negative" : "must be positive");
        }
        if (s > max) {
            throw field.invalid("must be at most " + max + " seconds, was " + field.json().asText());
        }
        return Duration.ofNanos((long) (s * 1_000_000_000L));
    }

    /** The delay before attempt {@code attempt + 1}. */
    public Duration backoffAfter(int attempt) {
        return backoff.multipliedBy(1L << Math.min(20, Math.max(0, attempt - 1)));
    }
}
