package dev.tasksync.docker;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;

/**
 * A followed output stream (attach, exec): sends its multiplexed frames to an {@link Output}; it has {@link #ended}
 * when the process closed its output (exited), or the call failed.
 */
final class OutputFrames extends LatchedCallback<Frame> {
    private final Output output;

    OutputFrames(Output output) {
        this.output = output;
    }

    @Override
    public void onNext(Frame frame) {
        if (frame.getStreamType() == StreamType.STDERR) {
            output.stderr(frame.getPayload());
        } else {
            output.stdout(frame.getPayload());
        }
    }
}
