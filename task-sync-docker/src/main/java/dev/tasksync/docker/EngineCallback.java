package dev.tasksync.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.ResponseItem;
import dev.tasksync.spi.StepContext;

/**
 * The callback of a streamed engine call (a build, a push, a pull): a subclass reads the items in {@link #onNext};
 * this records the engine's errors and the end of the stream, and waits for it as a step does.
 */
abstract class EngineCallback<I extends ResponseItem> extends ResultCallback.Adapter<I> {
    private final EngineStream stream = new EngineStream();

    /** The error an item reports (its detail's message, else its error text), recorded for the end; null when none. */
    String error(I item) {
        String error = item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                ? item.getErrorDetail().getMessage() : item.getError();
        stream.error(error);
        return error;
    }

    @Override
    public void onError(Throwable throwable) {
        stream.failed(throwable);
        super.onError(throwable);
    }

    @Override
    public void onComplete() {
        super.onComplete();
        stream.completed();
    }

    /**
     * Waits for the call to end, or for the step to be stopped; null when it worked, else why not (naming the engine).
     * Closes this callback either way.
     */
    String await(DockerOps docker, StepContext<?> context, String what) {
        try {
            if (!stream.await(context::isCancelled, what)) {
                return "cancelled while " + what;
            }
            stream.throwIfFailed();
            return null;
        } catch (RuntimeException e) {
            return what + " failed: " + stream.reason(e) + " (Docker engine at " + docker.host() + ")";
        } finally {
            DockerOps.closeQuietly(this);
        }
    }
}
