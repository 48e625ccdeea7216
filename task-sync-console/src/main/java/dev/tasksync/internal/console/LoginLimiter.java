package dev.tasksync.internal.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses logins from an address, or for a user name, after {@link #MAX_FAILURES} failures within
 * {@link #WINDOW}, until the oldest of them leaves the window (so guessing a password costs hours).
 */
final class LoginLimiter {
    static final int MAX_FAILURES = 5;
    static final Duration WINDOW = Duration.ofMinutes(5);

    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    LoginLimiter(Clock clock) {
        this.clock = clock;
    }

    boolean blocked(String remote, String user) {
        return full("ip:" + remote) || full("user:" + user);
    }

    void failed(String remote, String user) {
        add("ip:" + remote);
        add("user:" + user);
    }

    private boolean full(String key) {
        Deque<Instant> d = failures.get(key);
        if (d == null) {
            return false;
        }
        synchronized (d) {
            prune(d);
            return d.size() >= MAX_FAILURES;
        }
    }

    private void add(String key) {
        Deque<Instant> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (d) {
            prune(d);
            d.addLast(clock.instant());
        }
    }

    private void prune(Deque<Instant> d) {
        Instant cutoff = clock.instant().minus(WINDOW);
        while (!d.isEmpty() && d.peekFirst().isBefore(cutoff)) {
            d.removeFirst();
        }
    }
}
