package dev.tasksync.docker;

import com.github.dockerjava.api.async.ResultCallback;

import java.io.Closeable;
import java.util.concurrent.CountDownLatch;

/**
 * A streamed call to the Docker engine that a container's run waits on (its exit wait, an attach, an exec): two latches
 * say when the engine accepted it and when it ended, and {@link #failure} how it failed. What {@link ExitAnswer} and
 * {@link OutputFrames} share; builds, pushes and pulls use {@link EngineCallback}.
 */
abstract class LatchedCallback<T> extends ResultCallback.Adapter<T> {
    /** Opens once the engine accepted the call (its response began), or when it failed. */
    final CountDownLatch accepted = new CountDownLatch(1);
    /** Opens when the call ended (the engine completed its response), or failed. */
    final CountDownLatch ended = new CountDownLatch(1);
    volatile Throwable failure;

    @Override
    public void onStart(Closeable stream) {
        super.onStart(stream);
        accepted.countDown();
    }

    @Override
    public final void onError(Throwable throwable) {
        failure = throwable;
        accepted.countDown();
        ended.countDown();
        closeAfter(throwable);
    }

    /** Closes the call after its failure; by default as docker-java's adapter does (it records the error and closes). */
    void closeAfter(Throwable throwable) {
        super.onError(throwable);
    }

    @Override
    public void onComplete() {
        super.onComplete();
        ended.countDown();
    }
}
