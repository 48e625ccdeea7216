package dev.tasksync.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.tasksync.spi.StepContext;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The Docker operations the step types share, with errors that name what failed and where. */
final class DockerOps {
    static final String LABEL_TASK = DockerStepTypes.LABEL_TASK;
    static final String LABEL_STEP = DockerStepTypes.LABEL_STEP;
    /** Keeps a fresh container alive so commands can be exec'd in it. */
    static final List<String> KEEP_ALIVE = List.of("sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 1; done");

    private final DockerConnection connection;

    DockerOps(DockerConnection connection) {
        this.connection = connection;
    }

    String host() {
        return connection.describeHost();
    }

    DockerClient client() {
        return connection.client();
    }

    /** Runs one engine call; failures become a {@link DockerStepException} saying what was attempted, and where. */
    <T> T call(String what, Supplier<T> op) {
        try {
            return op.get();
        } catch (DockerStepException e) {
            throw e;
        } catch (NotFoundException e) {
            throw new DockerStepException(what + " failed: " + Errors.engineMessage(e) + " (Docker engine at " + host() + ")", e);
        } catch (DockerException e) {
            throw new DockerStepException(what + " failed: " + Errors.engineMessage(e) + " (Docker engine at " + host() + ")", e);
        } catch (RuntimeException e) {
            if (isConnectionProblem(e)) {
                throw new DockerStepException("cannot reach the Docker engine at " + host() + " (" + what + "): "
                        + Errors.rootMessage(e), e);
            }
            throw new DockerStepException(what + " failed: " + Errors.rootMessage(e) + " (Docker engine at " + host() + ")", e);
        }
    }

    void run(String what, Runnable op) {
        call(what, () -> {
            op.run();
            return null;
        });
    }

    private static boolean isConnectionProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
                    || t instanceof java.net.UnknownHostException || t instanceof java.nio.file.NoSuchFileException
                    || t instanceof java.io.FileNotFoundException
                    || t instanceof java.net.SocketException
                    || (t instanceof IOException && t.getMessage() != null && t.getMessage().contains("No such file"))) {
                return true;
            }
        }
        return false;
    }

    Optional<InspectImageResponse> inspectImage(String ref) {
        try {
            return Optional.of(call("inspecting image '" + ref + "'", () -> client().inspectImageCmd(ref).exec()));
        } catch (DockerStepException e) {
            if (e.getCause() instanceof NotFoundException) {
                return Optional.empty();
            }
            throw e;
        }
    }

    Optional<InspectContainerResponse> inspectContainer(String idOrName) {
        try {
            return Optional.of(call("inspecting container '" + idOrName + "'", () -> client().inspectContainerCmd(idOrName).exec()));
        } catch (DockerStepException e) {
            if (e.getCause() instanceof NotFoundException) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The image an image reference (tag or id) names, or a failure naming it. */
    InspectImageResponse requireImage(String ref) {
        return inspectImage(ref).orElseThrow(() -> new DockerStepException("image '" + ref
                + "' not found on the Docker engine at " + host() + " (build or pull it first)"));
    }

    static Map<String, String> labels(StepContext<?> context) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_TASK, String.valueOf(context.taskId()));
        labels.put(LABEL_STEP, String.valueOf(context.stepId()));
        return labels;
    }

    /** Creates a labelled container; the image must exist locally (nothing is pulled). */
    String create(StepContext<?> context, String image, java.util.function.Consumer<CreateContainerCmd> customize) {
        requireImage(image);
        return createChecked(context, image, customize);
    }

    /** {@link #create} for an image already known to exist. */
    String createChecked(StepContext<?> context, String image, java.util.function.Consumer<CreateContainerCmd> customize) {
        return call("creating a container from image '" + image + "'", () -> {
            CreateContainerCmd cmd = client().createContainerCmd(image).withLabels(labels(context));
            customize.accept(cmd);
            return cmd.exec().getId();
        });
    }

    void start(String containerId, String image) {
        run("starting container " + shortId(containerId) + " (image '" + image + "')",
                () -> client().startContainerCmd(containerId).exec());
    }

    /** Force-removes a container, never throwing; clears and restores the interrupt flag around the call. */
    void removeQuietly(String containerId) {
        if (containerId == null) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            client().removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException ignored) {
            // already gone
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(DockerOps.class)
                    .warn("could not remove container {} on {}: {}", containerId, host(), Errors.rootMessage(e));
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Containers (running or not) carrying all the given labels. */
    List<Container> containersLabelled(Map<String, String> labels) {
        return call("listing containers", () -> client().listContainersCmd().withShowAll(true).withLabelFilter(labels).exec());
    }

    /** The result of a process in a container: exit code and output tails. */
    record Exit(long exitCode, String stdout, String stderr, Duration duration) {
    }

    /** Why waiting stopped early. */
    static final class Stopped extends Exception {
        final boolean timedOut;

        Stopped(boolean timedOut, String message) {
            super(message);
            this.timedOut = timedOut;
        }
    }

    /**
     * Follows a started container's output until it exits and returns its exit code.
     *
     * @throws Stopped when the timeout passes or the run is cancelled (the caller removes the container)
     */
    Exit followToExit(String containerId, String image, Output output, Duration timeout, BooleanSupplier cancelled)
            throws Stopped, InterruptedException {
        long start = System.nanoTime();
        FrameCallback frames = new FrameCallback(output);
        call("reading the output of container " + shortId(containerId) + " (image '" + image + "')", () ->
                client().logContainerCmd(containerId).withStdOut(true).withStdErr(true).withFollowStream(true).exec(frames));
        await(frames, start, timeout, cancelled, "container " + shortId(containerId) + " (image '" + image + "')");
        output.finish();
        Integer code = call("waiting for container " + shortId(containerId) + " (image '" + image + "')", () ->
                client().waitContainerCmd(containerId).exec(new WaitContainerResultCallback()).awaitStatusCode(30, TimeUnit.SECONDS));
        return new Exit(code, output.stdoutTail(), output.stderrTail(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** Runs {@code sh -c command} in a running container and waits for it. */
    Exit exec(String containerId, String command, String workingDir, List<String> env, Output output,
              Duration timeout, BooleanSupplier cancelled) throws Stopped, InterruptedException {
        long start = System.nanoTime();
        String where = "container " + shortId(containerId);
        String execId = call("creating an exec in " + where, () -> {
            var cmd = client().execCreateCmd(containerId).withCmd("sh", "-c", command)
                    .withAttachStdout(true).withAttachStderr(true);
            if (workingDir != null) {
                cmd.withWorkingDir(workingDir);
            }
            if (env != null && !env.isEmpty()) {
                cmd.withEnv(env);
            }
            return cmd.exec().getId();
        });
        FrameCallback frames = new FrameCallback(output);
        call("running a command in " + where, () -> client().execStartCmd(execId).exec(frames));
        await(frames, start, timeout, cancelled, "command '" + command + "' in " + where);
        output.finish();
        Long code = null;
        for (int i = 0; i < 100 && code == null; i++) {
            InspectExecResponse inspect = call("inspecting an exec in " + where, () -> client().inspectExecCmd(execId).exec());
            if (!Boolean.TRUE.equals(inspect.isRunning())) {
                code = inspect.getExitCodeLong();
            }
            if (code == null) {
                Thread.sleep(20);
            }
        }
        if (code == null) {
            throw new DockerStepException("command '" + command + "' in " + where + " reported no exit code (Docker engine at " + host() + ")");
        }
        return new Exit(code, output.stdoutTail(), output.stderrTail(), Duration.ofNanos(System.nanoTime() - start));
    }

    private void await(FrameCallback frames, long startNanos, Duration timeout, BooleanSupplier cancelled, String what)
            throws Stopped, InterruptedException {
        try {
            // Not ResultCallback.awaitCompletion(timeout): it closes the stream when the time is up.
            while (!frames.done.await(100, TimeUnit.MILLISECONDS)) {
                if (cancelled.getAsBoolean()) {
                    throw new Stopped(false, "cancelled while " + what + " was running");
                }
                if (timeout != null && System.nanoTime() - startNanos > timeout.toNanos()) {
                    throw new Stopped(true, what + " timed out after " + timeout.toSeconds() + " s");
                }
            }
            if (frames.failure != null) {
                throw new DockerStepException("reading the output of " + what + " failed: "
                        + Errors.rootMessage(frames.failure) + " (Docker engine at " + host() + ")", frames.failure);
            }
        } catch (DockerStepException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new DockerStepException("reading the output of " + what + " failed: "
                    + Errors.rootMessage(e) + " (Docker engine at " + host() + ")", e);
        } finally {
            closeQuietly(frames);
        }
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // closing
        }
    }

    static String shortId(String id) {
        if (id == null) {
            return "?";
        }
        String s = id.startsWith("sha256:") ? id.substring(7) : id;
        return s.length() > 12 && s.matches("[0-9a-f]+") ? s.substring(0, 12) : s;
    }

    /** Sends multiplexed frames to an {@link Output}. */
    static final class FrameCallback extends ResultCallback.Adapter<Frame> {
        private final Output output;
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        volatile Throwable failure;

        FrameCallback(Output output) {
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

        @Override
        public void onError(Throwable throwable) {
            failure = throwable;
            done.countDown();
            super.onError(throwable);
        }

        @Override
        public void onComplete() {
            super.onComplete();
            done.countDown();
        }
    }
}
