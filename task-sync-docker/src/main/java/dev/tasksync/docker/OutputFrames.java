package dev.tasksync.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;

import java.io.Closeable;
import java.util.concurrent.CountDownLatch;

/** A followed output stream (attach, exec): sends its multiplexed frames to an {@link Output}, and says when it began and ended. */
final class OutputFrames extends ResultCallback.Adapter<Frame> {
    private final Output output;
    /** Opens once the engine accepted the call (its response began), or when it failed. */
    final CountDownLatch accepted = new CountDownLatch(1);
    /** Opens when the stream ended: the process closed its output (exited), or the call failed. */
    final CountDownLatch ended = new CountDownLatch(1);
    volatile Throwable failure;

    OutputFrames(Output output) {
        this.output = output;
    }

    @Override
    public void onStart(Closeable stream) {
        super.onStart(stream);
        accepted.countDown();
    }

    @Override
    public void onNext(Frame frame) {
        if (frame.getStreamType() == StreamType.STDERR) {
            output.stderr(frame.getPayload());
        } else {
            output.stdout(frame.getPayload());
        }
    }

    @Override
    public void onError(Throwable throwable) {
        failure = throwable;
        accepted.countDown();
        ended.countDown();
        super.onError(throwable);
    }

    @Override
    public void onComplete() {
        super.onComplete();
        ended.countDown();
    }
}
