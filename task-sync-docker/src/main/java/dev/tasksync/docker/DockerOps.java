package dev.tasksync.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.WaitContainerCondition;
import com.github.dockerjava.api.model.WaitResponse;
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
    /** The oldest API version whose wait takes a condition ({@code next-exit}, {@code removed}): Docker 17.06. */
    static final String WAIT_CONDITION_API = "1.30";
    /** How long a container may take to exit (and be removed) after its output ended, as the plain wait allowed. */
    static final Duration EXIT_AFTER_OUTPUT = Duration.ofSeconds(30);

    /** Engine calls made beside a step's own line of calls (looking up its image while its container runs). */
    private static final java.util.concurrent.ExecutorService BESIDE = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "task-sync-docker-lookup");
        t.setDaemon(true);
        return t;
    });

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

    /** {@link #inspectImage} on another thread: the caller goes on and takes the answer with {@link #answer}. */
    java.util.concurrent.CompletableFuture<Optional<InspectImageResponse>> inspectImageBeside(String ref) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> inspectImage(ref), BESIDE);
    }

    /** What a call made beside answered; its failure is thrown as the call would have thrown it. */
    static <T> T answer(java.util.concurrent.CompletableFuture<T> call) throws InterruptedException {
        try {
            return call.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new DockerStepException(Errors.rootMessage(e.getCause()), e.getCause());
        }
    }

    /** The image an image reference (tag or id) names, or a failure naming it. */
    InspectImageResponse requireImage(String ref) {
        return inspectImage(ref).orElseThrow(() -> new DockerStepException("image '" + ref
                + "' not found on the Docker engine at " + host() + " (build or pull it first)"));
    }

    /** The labels of everything an attempt creates: task, step, store and attempt. */
    static Map<String, String> labels(StepContext<?> context) {
        Map<String, String> labels = stepLabels(context);
        labels.put(DockerStepTypes.LABEL_ATTEMPT, String.valueOf(context.attempt()));
        return labels;
    }

    /** The labels shared by all attempts of a step. */
    static Map<String, String> stepLabels(StepContext<?> context) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_TASK, String.valueOf(context.taskId()));
        labels.put(LABEL_STEP, String.valueOf(context.stepId()));
        if (!context.storeId().isEmpty()) {
            labels.put(DockerStepTypes.LABEL_STORE, context.storeId());
        }
        return labels;
    }

    /**
     * Stops and removes the containers earlier attempts of this step left (a worker killed mid-attempt leaves its
     * container running; its lease expired, so that attempt is over), before this attempt creates its own: two
     * attempts never run at once. A detached container of the step's last run is one of them (a re-run replaces
     * it); containers of other steps (a docker_run's container a docker_shell uses) are never touched.
     */
    void removeEarlierAttempts(StepContext<?> context) {
        if (context.attempt() <= 1) {
            return; // attempts are numbered on per step and never reset: the first has no earlier ones
        }
        for (Container old : containersLabelled(stepLabels(context))) {
            String attempt = old.getLabels() == null ? null : old.getLabels().get(DockerStepTypes.LABEL_ATTEMPT);
            int n;
            try {
                n = attempt == null ? 0 : Integer.parseInt(attempt);
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < context.attempt()) {
                context.log().line("removing container " + shortId(old.getId()) + " (" + old.getState() + ") of "
                        + (n == 0 ? "an earlier attempt" : "attempt " + n) + " of this step");
                removeQuietly(old.getId());
            }
        }
    }

    /** Creates a labelled container; the image must exist locally (nothing is pulled). */
    String create(StepContext<?> context, String image, java.util.function.Consumer<CreateContainerCmd> customize) {
        requireImage(image);
        return createChecked(context, image, customize);
    }

    /** {@link #create} for an image already known to exist. */
    String createChecked(StepContext<?> context, String image, java.util.function.Consumer<CreateContainerCmd> customize) {
        removeEarlierAttempts(context);
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
        } catch (ConflictException e) {
            if (e.getMessage() == null || !e.getMessage().contains("already in progress")) {
                org.slf4j.LoggerFactory.getLogger(DockerOps.class)
                        .warn("could not remove container {} on {}: {}", containerId, host(), Errors.rootMessage(e));
            } // else the engine is removing it (auto-remove)
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

    /**
     * True when the engine can remove a container by itself when it exits and report its exit code once it is
     * gone ({@code HostConfig.AutoRemove} plus {@code wait?condition=removed}, as {@code docker run --rm} does).
     */
    boolean autoRemoves() {
        return ApiVersions.compare(connection.apiVersion(), WAIT_CONDITION_API) >= 0;
    }

    /**
     * Attaches to a created (not yet started) container's stdout and stderr and, when the engine removes it by
     * itself ({@code autoRemoved}: created with {@code HostConfig.AutoRemove}), registers the wait for its
     * removal; returns once the engine has accepted both, so that the start that follows misses no output and
     * no exit. This is what {@code docker run --rm} does: create, attach + wait, start; no log or remove call.
     */
    Attached attach(String containerId, String image, Output output, boolean autoRemoved, BooleanSupplier cancelled)
            throws Stopped, InterruptedException {
        Attached a = new Attached(containerId, image, output, autoRemoved);
        try {
            call("attaching to container " + shortId(containerId) + " (image '" + image + "')", () ->
                    client().attachContainerCmd(containerId).withStdOut(true).withStdErr(true).withFollowStream(true)
                            .exec(a.frames));
            if (autoRemoved) {
                call("waiting for container " + shortId(containerId) + " (image '" + image + "')", () ->
                        client().waitContainerCmd(containerId).withCondition(WaitContainerCondition.REMOVED).exec(a.exit));
            }
            a.awaitAccepted(cancelled);
            return a;
        } catch (Stopped | InterruptedException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /** A container's attached output and (when the engine removes it) the pending wait for its removal. */
    final class Attached implements AutoCloseable {
        private final String containerId;
        private final String image;
        private final Output output;
        private final boolean autoRemoved;
        private final long startNanos = System.nanoTime();
        final FrameCallback frames;
        final WaitCallback exit = new WaitCallback();

        private Attached(String containerId, String image, Output output, boolean autoRemoved) {
            this.containerId = containerId;
            this.image = image;
            this.output = output;
            this.autoRemoved = autoRemoved;
            this.frames = new FrameCallback(output);
        }

        private String what() {
            return "container " + shortId(containerId) + " (image '" + image + "')";
        }

        private void awaitAccepted(BooleanSupplier cancelled) throws Stopped, InterruptedException {
            awaitLatch(frames.started, cancelled, "attaching to " + what());
            if (frames.failure != null) {
                throw new DockerStepException("attaching to " + what() + " failed: " + Errors.engineMessage(frames.failure)
                        + " (Docker engine at " + host() + ")", frames.failure);
            }
            if (autoRemoved) {
                awaitLatch(exit.started, cancelled, "waiting for " + what());
                if (exit.failure != null) {
                    throw new DockerStepException("waiting for " + what() + " failed: " + Errors.engineMessage(exit.failure)
                            + " (Docker engine at " + host() + ")", exit.failure);
                }
            }
        }

        /**
         * Follows the started container's output until it exits and returns its exit code; when the engine
         * removes it, returns once it is gone.
         *
         * @throws Stopped when the timeout passes or the run is cancelled (the caller removes the container)
         */
        Exit awaitExit(Duration timeout, BooleanSupplier cancelled) throws Stopped, InterruptedException {
            await(frames, startNanos, timeout, cancelled, what());
            output.finish();
            long code;
            if (autoRemoved) {
                // The output ends when the process exits; the engine then removes the container and answers the wait.
                boolean answered = awaitLatch(exit.done, cancelled, "waiting for " + what(), EXIT_AFTER_OUTPUT);
                WaitResponse r = exit.response;
                if (answered && r != null && r.getStatusCode() != null) {
                    code = r.getStatusCode();
                } else {
                    // No answer (removal slow or failed, or the process closed its output and went on): ask the container.
                    var state = inspectContainer(containerId).map(InspectContainerResponse::getState).orElse(null);
                    if (state == null || Boolean.TRUE.equals(state.getRunning()) || state.getExitCodeLong() == null) {
                        Throwable f = exit.failure;
                        throw new DockerStepException("waiting for " + what() + " failed: "
                                + (f != null ? Errors.engineMessage(f) : state != null && Boolean.TRUE.equals(state.getRunning())
                                        ? "still running " + EXIT_AFTER_OUTPUT.toSeconds() + " s after its output ended"
                                        : "the engine reported no exit code")
                                + " (Docker engine at " + host() + ")", f);
                    }
                    code = state.getExitCodeLong();
                }
            } else {
                code = call("waiting for " + what(), () ->
                        client().waitContainerCmd(containerId).exec(new WaitContainerResultCallback()).awaitStatusCode(30, TimeUnit.SECONDS));
            }
            return new Exit(code, output.stdoutTail(), output.stderrTail(), Duration.ofNanos(System.nanoTime() - startNanos));
        }

        /** True once the engine reported the container removed. */
        boolean removed() {
            return autoRemoved && exit.done.getCount() == 0 && exit.response != null;
        }

        /**
         * After a failure, stop or cancellation: force-removes the container unless the engine already has, and
         * gives the engine's own removal (when it started first) a moment to finish, so nothing is left behind.
         */
        void removeQuietly() {
            if (removed()) {
                return;
            }
            DockerOps.this.removeQuietly(containerId);
            if (autoRemoved && exit.started.getCount() == 0) {
                boolean interrupted = Thread.interrupted();
                try {
                    exit.done.await(10, TimeUnit.SECONDS);
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
            closeQuietly(frames);
            closeQuietly(exit);
        }

        private void awaitLatch(java.util.concurrent.CountDownLatch latch, BooleanSupplier cancelled, String doing)
                throws Stopped, InterruptedException {
            awaitLatch(latch, cancelled, doing, null);
        }

        /** False when {@code limit} passed first. */
        private boolean awaitLatch(java.util.concurrent.CountDownLatch latch, BooleanSupplier cancelled, String doing,
                                   Duration limit) throws Stopped, InterruptedException {
            long deadline = limit == null ? 0 : System.nanoTime() + limit.toNanos();
            while (!latch.await(100, TimeUnit.MILLISECONDS)) {
                if (cancelled.getAsBoolean()) {
                    throw new Stopped(false, "cancelled while " + doing);
                }
                if (limit != null && System.nanoTime() - deadline > 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Receives the engine's answer to a wait: the exit code. */
    static final class WaitCallback extends ResultCallback.Adapter<WaitResponse> {
        final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        volatile WaitResponse response;
        volatile Throwable failure;

        @Override
        public void onStart(Closeable stream) {
            super.onStart(stream);
            started.countDown();
        }

        @Override
        public void onNext(WaitResponse r) {
            response = r;
        }

        @Override
        public void onError(Throwable throwable) {
            failure = throwable;
            started.countDown();
            done.countDown();
            closeQuietly(this);
        }

        @Override
        public void onComplete() {
            super.onComplete();
            done.countDown();
        }
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
        /** Counted down once the engine accepted the call (its response began), or when it failed. */
        final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        volatile Throwable failure;

        FrameCallback(Output output) {
            this.output = output;
        }

        @Override
        public void onStart(Closeable stream) {
            super.onStart(stream);
            started.countDown();
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
            started.countDown();
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
