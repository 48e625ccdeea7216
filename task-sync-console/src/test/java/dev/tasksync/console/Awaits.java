package dev.tasksync.console;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition, with a generous deadline (never a fixed sleep to synchronise). */
final class Awaits {
    static final Duration DEADLINE = Duration.ofSeconds(60);

    private Awaits() {
    }

    static void until(BooleanSupplier condition) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + DEADLINE);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
