package dev.tasksync.docker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

/** What a streamed engine call (a build, a pull) reported, and whether it has ended. */
final class EngineStream {
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);

    /** An error the engine reported in the stream (ignored when null). */
    void error(String message) {
        if (message != null) {
            errors.add(message);
        }
    }

    /** The callback's onError: the stream broke. */
    void failed(Throwable throwable) {
        errors.add(Errors.engineMessage(throwable));
        done.countDown();
    }

    /** The callback's onComplete. */
    void completed() {
        done.countDown();
    }

    /**
     * Waits for the stream to end, or for the step to be stopped (its thread interrupted); false when it was stopped
     * first. (Not the callback's awaitCompletion(timeout): that closes the stream when the time is up.)
     */
    boolean await(BooleanSupplier cancelled, String doing) {
        try {
            StepWait.untilStopped(cancelled).await(done, doing);
            return true;
        } catch (StepStopped stopped) {
            return false;
        }
    }

    /** Throws when the engine reported errors. */
    void throwIfFailed() {
        if (!errors.isEmpty()) {
            throw new DockerStepException(String.join("; ", errors));
        }
    }

    /** Why the call failed: the engine's own errors, else the exception's message. */
    String reason(RuntimeException e) {
        return errors.isEmpty() ? Errors.engineMessage(e) : String.join("; ", errors);
    }
}
