package dev.tasksync.testing;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one way tests wait for something another thread or process does: Awaitility, checking the condition
 * on the test's own thread every 50 ms up to a generous deadline, never a fixed sleep to synchronise.
 */
public final class Awaits {
    /** Long enough for a loaded CI machine; a condition that is met returns at once. */
    public static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(50);

    private Awaits() {
    }

    /** Waits until {@code condition} holds, at most {@link #DEADLINE}. */
    public static void await(String what, Callable<Boolean> condition) {
        await(what, DEADLINE, condition);
    }

    public static void await(String what, Duration max, Callable<Boolean> condition) {
        await(what, max, condition, () -> "");
    }

    /** As {@link #await(String, Duration, Callable)}; on a timeout the failure adds {@code diagnostics} (e.g. a process's output). */
    public static void await(String what, Duration max, Callable<Boolean> condition, Supplier<String> diagnostics) {
        awaitValue(what, max, condition, Boolean.TRUE::equals, diagnostics);
    }

    /** Waits until {@code value} gives one that {@code done} accepts, at most {@link #DEADLINE}; returns it. */
    public static <T> T awaitValue(String what, Callable<T> value, Predicate<? super T> done) {
        return awaitValue(what, DEADLINE, value, done, () -> "");
    }

    public static <T> T awaitValue(String what, Duration max, Callable<T> value, Predicate<? super T> done,
                                   Supplier<String> diagnostics) {
        // Not until(value, done): Awaitility's predicate form never accepts null, which some probes return when done.
        AtomicReference<T> last = new AtomicReference<>();
        try {
            Awaitility.await(what).atMost(max).pollDelay(Duration.ZERO).pollInterval(POLL).pollInSameThread()
                    .until(() -> {
                        last.set(value.call());
                        return done.test(last.get());
                    });
            return last.get();
        } catch (ConditionTimeoutException e) {
            String more = diagnostics.get();
            throw new AssertionError("timed out after " + max + " waiting for " + what + (more.isEmpty() ? "" : "\n" + more), e);
        }
    }
}
