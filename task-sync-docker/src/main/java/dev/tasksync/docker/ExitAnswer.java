package dev.tasksync.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.WaitResponse;

import java.io.Closeable;
import java.util.concurrent.CountDownLatch;

/** The engine's answer to a container wait, registered before the container starts: its exit code. */
final class ExitAnswer extends ResultCallback.Adapter<WaitResponse> {
    /** Opens once the engine accepted the wait, or when it failed. */
    final CountDownLatch accepted = new CountDownLatch(1);
    /** Opens when the engine answered (the container exited, or was removed), or the wait failed. */
    final CountDownLatch answered = new CountDownLatch(1);
    volatile WaitResponse response;
    volatile Throwable failure;

    @Override
    public void onStart(Closeable stream) {
        super.onStart(stream);
        accepted.countDown();
    }

    @Override
    public void onNext(WaitResponse r) {
        response = r;
    }

    @Override
    public void onError(Throwable throwable) {
        failure = throwable;
        accepted.countDown();
        answered.countDown();
        DockerOps.closeQuietly(this);
    }

    @Override
    public void onComplete() {
        super.onComplete();
        answered.countDown();
    }

    /** The exit code the engine answered with, or null (no answer, or it failed). */
    Long exitCode() {
        WaitResponse r = response;
        return answered.getCount() == 0 && r != null && r.getStatusCode() != null ? Long.valueOf(r.getStatusCode()) : null;
    }
}
