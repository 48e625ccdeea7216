package dev.tasksync.docker;

import com.github.dockerjava.api.model.WaitResponse;

/**
 * The engine's answer to a container wait, registered before the container starts: its exit code. It has
 * {@link #ended} when the engine answered (the container exited, or was removed), or the wait failed.
 */
final class ExitAnswer extends LatchedCallback<WaitResponse> {
    volatile WaitResponse response;

    @Override
    public void onNext(WaitResponse r) {
        response = r;
    }

    /** Closed quietly, as before: not through the adapter's onError, which logs the failure and rethrows one to close. */
    @Override
    void closeAfter(Throwable throwable) {
        DockerOps.closeQuietly(this);
    }

    /** The exit code the engine answered with, or null (no answer, or it failed). */
    Long exitCode() {
        WaitResponse r = response;
        return ended.getCount() == 0 && r != null && r.getStatusCode() != null ? Long.valueOf(r.getStatusCode()) : null;
    }
}
