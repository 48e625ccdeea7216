package dev.tasksync.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.WaitContainerCondition;

import java.time.Duration;

/**
 * A created container's attached output and the engine's pending answer to its wait, both registered before it
 * starts, as {@code docker run} does: the start that follows misses no output and no exit. The one way a step
 * waits for a container to end ({@code docker_run}, and {@code docker_rubrics} grading with the image's command).
 */
final class AttachedContainer implements AutoCloseable {
    private final DockerOps docker;
    private final String containerId;
    private final String image;
    private final Output output;
    private final boolean autoRemoved;
    /** The engine takes a wait condition (API 1.30+): the wait is registered before the start. */
    private final boolean waitsBeforeStart;
    private final OutputFrames frames;
    private final ExitAnswer exit = new ExitAnswer();

    private AttachedContainer(DockerOps docker, String containerId, String image, Output output, boolean autoRemoved) {
        this.docker = docker;
        this.containerId = containerId;
        this.image = image;
        this.output = output;
        this.autoRemoved = autoRemoved;
        this.waitsBeforeStart = autoRemoved || docker.autoRemoves();
        this.frames = new OutputFrames(output);
    }

    /**
     * Attaches to a created (not yet started) container's stdout and stderr and registers the wait for its end
     * ({@code removed} when the engine removes it by itself, created with {@code HostConfig.AutoRemove}; else
     * {@code next-exit}); returns once the engine accepted both.
     */
    static AttachedContainer attach(DockerOps docker, String containerId, String image, Output output, boolean autoRemoved,
                                    StepWait wait) throws StepStopped {
        AttachedContainer a = new AttachedContainer(docker, containerId, image, output, autoRemoved);
        try {
            docker.call("attaching to " + a.what(), () -> docker.client().attachContainerCmd(containerId)
                    .withStdOut(true).withStdErr(true).withFollowStream(true).exec(a.frames));
            if (a.waitsBeforeStart) {
                WaitContainerCondition condition = autoRemoved ? WaitContainerCondition.REMOVED : WaitContainerCondition.NEXT_EXIT;
                docker.call("waiting for " + a.what(), () -> docker.client().waitContainerCmd(containerId)
                        .withCondition(condition).exec(a.exit));
            }
            a.awaitAccepted(wait);
            return a;
        } catch (DockerStepException e) {
            a.close();
            throw wait.stopOr(e);
        } catch (StepStopped | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    private String what() {
        return "container " + DockerOps.shortId(containerId) + " (image '" + image + "')";
    }

    private void awaitAccepted(StepWait wait) throws StepStopped {
        wait.await(frames.accepted, "attaching to " + what());
        throwIfFailed("attaching to ", frames.failure);
        if (waitsBeforeStart) {
            wait.await(exit.accepted, "waiting for " + what());
            throwIfFailed("waiting for ", exit.failure);
        }
    }

    private void throwIfFailed(String doing, Throwable failure) {
        if (failure != null) {
            throw new DockerStepException(doing + what() + " failed: " + Errors.engineMessage(failure)
                    + " (Docker engine at " + docker.host() + ")", failure);
        }
    }

    /**
     * Follows the started container's output until it ends, then takes the engine's answer to the wait: its exit
     * code, once it is gone when the engine removes it. Bounded only by {@code wait}: the step's stop, and a limit
     * of its settings.
     *
     * @throws StepStopped when the step was stopped or the limit passed (the caller removes the container)
     */
    ProcessExit awaitExit(StepWait wait) throws StepStopped {
        try {
            return followToExit(wait);
        } catch (DockerStepException e) {
            throw wait.stopOr(e);
        }
    }

    private ProcessExit followToExit(StepWait wait) throws StepStopped {
        String running = "running " + what();
        wait.await(frames.ended, running);
        DockerOps.closeQuietly(frames);
        if (frames.failure != null) {
            throw new DockerStepException("reading the output of " + what() + " failed: "
                    + Errors.rootMessage(frames.failure) + " (Docker engine at " + docker.host() + ")", frames.failure);
        }
        output.finish();
        if (!waitsBeforeStart) { // an engine older than API 1.30: the plain wait, once it has exited
            docker.call("waiting for " + what(), () -> docker.client().waitContainerCmd(containerId).exec(exit));
        }
        // The output ends when the process exits; the engine then answers the wait (once it removed the container).
        wait.await(exit.ended, running);
        Long code = exit.exitCode();
        if (code == null) {
            code = exitCodeFromState();
        }
        return new ProcessExit(code, output.stdoutTail(), output.stderrTail(), Duration.ofNanos(System.nanoTime() - wait.startNanos()));
    }

    /** The wait failed without an answer: the container's state says how it ended. */
    private long exitCodeFromState() {
        InspectContainerResponse.ContainerState state = docker.inspectContainer(containerId)
                .map(InspectContainerResponse::getState).orElse(null);
        if (state == null || Boolean.TRUE.equals(state.getRunning()) || state.getExitCodeLong() == null) {
            Throwable f = exit.failure;
            throw new DockerStepException("waiting for " + what() + " failed: "
                    + (f != null ? Errors.engineMessage(f) : "the engine reported no exit code")
                    + " (Docker engine at " + docker.host() + ")", f);
        }
        return state.getExitCodeLong();
    }

    /** True once the engine reported the container removed. */
    private boolean removed() {
        return autoRemoved && exit.exitCode() != null;
    }

    /**
     * After a failure, stop or cancellation: force-removes the container unless the engine already has. When
     * the engine's own removal began first, the force-remove is refused as "in progress", and the engine's
     * answer to the wait says when it is done, so nothing is left behind when the step returns.
     */
    void remove() {
        if (removed()) {
            return;
        }
        boolean engineRemoving = docker.removeQuietly(containerId);
        if (engineRemoving && exit.accepted.getCount() == 0) {
            boolean interrupted = Thread.interrupted();
            try {
                exit.ended.await();
            } catch (InterruptedException e) {
                interrupted = true;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public void close() {
        DockerOps.closeQuietly(frames);
        DockerOps.closeQuietly(exit);
    }
}
