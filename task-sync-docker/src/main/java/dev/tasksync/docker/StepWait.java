package dev.tasksync.docker;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The one way a Docker step waits for the engine (an answer its callbacks count down, a process): until the
 * answer comes, a limit from the step's own settings passes, or the step is stopped. Stopping needs no polling:
 * the engine interrupts the step's thread when its task is cancelled, its {@code timeout_seconds} passes or its
 * worker lets go (see {@code StepContext.isCancelled()}), and the interrupt ends the wait at once.
 *
 * <p>The interrupt is taken (the flag cleared) when it ends a wait, so that the container can still be removed.
 */
final class StepWait {
    private final BooleanSupplier stopped;
    private final Duration limit;
    private final long startNanos;

    private StepWait(BooleanSupplier stopped, Duration limit) {
        this.stopped = stopped;
        this.limit = limit;
        this.startNanos = System.nanoTime();
    }

    /** Waits bounded only by the step's stop. */
    static StepWait untilStopped(BooleanSupplier stopped) {
        return new StepWait(stopped, null);
    }

    /** Waits bounded by the step's stop and by {@code limit} (null: none), counted from now. */
    static StepWait within(Duration limit, BooleanSupplier stopped) {
        return new StepWait(stopped, limit);
    }

    /** When this wait began, as {@link System#nanoTime()}. */
    long startNanos() {
        return startNanos;
    }

    /** Throws when the step was stopped already (before it starts something it would have to wait for). */
    void checkStopped(String doing) throws StepStopped {
        if (stopped.getAsBoolean() || Thread.interrupted()) {
            throw cancelled(doing);
        }
    }

    /** Waits until {@code answer} opens; {@code doing} names what was awaited, e.g. "container 3f2a (image 'x') was running". */
    void await(CountDownLatch answer, String doing) throws StepStopped {
        await(answer::await, answer::await, doing);
    }

    /** Waits for a host process to exit. */
    void await(Process process, String doing) throws StepStopped {
        await(process::waitFor, process::waitFor, doing);
    }

    /** A wait without a limit ({@link CountDownLatch#await()}, {@link Process#waitFor()}). */
    private interface Untimed {
        void await() throws InterruptedException;
    }

    /** A wait up to a limit; false when the time is up ({@code CountDownLatch.await(t, u)}, {@code Process.waitFor(t, u)}). */
    private interface Timed {
        boolean await(long timeout, TimeUnit unit) throws InterruptedException;
    }

    private void await(Untimed untimed, Timed timed, String doing) throws StepStopped {
        checkStopped(doing);
        try {
            if (limit == null) {
                untimed.await();
            } else if (!timed.await(remainingNanos(), TimeUnit.NANOSECONDS)) {
                throw timedOut(doing);
            }
        } catch (InterruptedException e) {
            throw cancelled(doing);
        }
    }

    /**
     * A pause between two looks at something the engine has no event for (an exec's exit code after its output
     * ended): as short as {@code nanos}, ended by the step's stop or limit.
     */
    void pause(long nanos, String doing) throws StepStopped {
        checkStopped(doing);
        long wait = limit == null ? nanos : Math.min(nanos, remainingNanos());
        if (wait <= 0) {
            throw timedOut(doing);
        }
        try {
            TimeUnit.NANOSECONDS.sleep(wait);
        } catch (InterruptedException e) {
            throw cancelled(doing);
        }
    }

    /**
     * An engine call failed: when the step was stopped meanwhile (the stop's interrupt broke the call), that is the
     * stop, returned to be thrown; otherwise the failure is rethrown.
     */
    StepStopped stopOr(DockerStepException failure) {
        if (stopped.getAsBoolean()) {
            return new StepStopped(false, failure.getMessage().startsWith("cancelled") ? failure.getMessage()
                    : "cancelled (" + failure.getMessage() + ")");
        }
        throw failure;
    }

    private long remainingNanos() {
        return Math.max(0, limit.toNanos() - (System.nanoTime() - startNanos));
    }

    private StepStopped cancelled(String doing) {
        return new StepStopped(false, "cancelled while " + doing);
    }

    private StepStopped timedOut(String doing) {
        return new StepStopped(true, doing + " timed out after " + limit.toSeconds() + " s");
    }
}
