package dev.tasksync;

import java.time.Duration;

/**
 * How the full log of each attempt is kept ({@link TaskSync.Builder#logs(LogOptions)}).
 *
 * @param maxBytesPerAttempt the most bytes of output kept per attempt; beyond it the middle is dropped (the first
 *                           and last halves are kept) and the log says how much was left out; 0 keeps no full logs
 *                           (the tail in the attempt's history stays)
 * @param keepAttempts       how many attempts' logs are kept per step, the latest; 0 keeps all
 * @param keepFor            how long logs are kept; null keeps them regardless of age
 */
public record LogOptions(long maxBytesPerAttempt, int keepAttempts, Duration keepFor) {
    public static final long DEFAULT_MAX_BYTES_PER_ATTEMPT = 64L * 1024 * 1024;
    public static final int DEFAULT_KEEP_ATTEMPTS = 10;

    public LogOptions {
        if (maxBytesPerAttempt < 0) {
            throw new IllegalArgumentException("maxBytesPerAttempt must be 0 (no full logs) or more, not " + maxBytesPerAttempt);
        }
        if (keepAttempts < 0) {
            throw new IllegalArgumentException("keepAttempts must be 0 (all) or more, not " + keepAttempts);
        }
        if (keepFor != null && (keepFor.isNegative() || keepFor.isZero())) {
            throw new IllegalArgumentException("keepFor must be positive (or null: any age), not " + keepFor);
        }
    }

    /** 64 MiB per attempt, the last 10 attempts of each step, of any age. */
    public static LogOptions defaults() {
        return new LogOptions(DEFAULT_MAX_BYTES_PER_ATTEMPT, DEFAULT_KEEP_ATTEMPTS, null);
    }

    /** No full logs are written (reading those written earlier still works). */
    public static LogOptions disabled() {
        return new LogOptions(0, DEFAULT_KEEP_ATTEMPTS, null);
    }

    public LogOptions withMaxBytesPerAttempt(long bytes) {
        return new LogOptions(bytes, keepAttempts, keepFor);
    }

    public LogOptions withKeepAttempts(int attempts) {
        return new LogOptions(maxBytesPerAttempt, attempts, keepFor);
    }

    public LogOptions withKeepFor(Duration age) {
        return new LogOptions(maxBytesPerAttempt, keepAttempts, age);
    }
}
