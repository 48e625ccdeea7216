package dev.tasksync.docker;

import com.fasterxml.jackson.databind.node.ObjectNode;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.tasksync.spi.StepContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The Docker operations the step types share, with errors that name what failed and where. */
final class DockerOps {
    static final String LABEL_TASK = DockerStepTypes.LABEL_TASK;
    static final String LABEL_STEP = DockerStepTypes.LABEL_STEP;
    /** Keeps a fresh container alive so commands can be exec'd in it. */
    static final List<String> KEEP_ALIVE = List.of("sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 1; done");
    /** The oldest API version whose wait takes a condition ({@code next-exit}, {@code removed}): Docker 17.06. */
    static final String WAIT_CONDITION_API = "1.30";

    private static final Logger LOG = LoggerFactory.getLogger(DockerOps.class);

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

    /**
     * Pins what this step leaves behind (an image, a container) to this engine: results get
     * {@code "pinned": {"docker_engine": ID}}, and workers on other engines leave the steps that use it alone
     * (the core reads it; see StepTypeProvider#placement). Left out when the engine does not say its ID.
     */
    void pin(ObjectNode results) {
        try {
            results.putObject("pinned").put(ENGINE_FACT, connection.engineId());
        } catch (RuntimeException e) {
            LOG.warn("could not ask the Docker engine at {} for its ID ({}): the step's output is not pinned to it", host(), e.getMessage());
        }
    }

    /** The fact a worker registers for its Docker engine, and the key a pin names it by. */
    static final String ENGINE_FACT = "docker_engine";

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
            if (isInterruption(e)) {
                // The step was stopped mid-call: its thread's interrupt closed the connection.
                throw new DockerStepException("cancelled while " + what + " (Docker engine at " + host() + ")", e);
            }
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

    private static boolean isInterruption(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ClosedByInterruptException || t instanceof InterruptedException || t instanceof CancellationException
                    || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isConnectionProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException || t instanceof NoSuchFileException
                    || t instanceof FileNotFoundException
                    || t instanceof SocketException
                    || (t instanceof IOException && t.getMessage() != null && t.getMessage().contains("No such file"))) {
                return true;
            }
        }
        return false;
    }

    Optional<InspectImageResponse> inspectImage(String ref) {
        return found("inspecting image '" + ref + "'", () -> client().inspectImageCmd(ref).exec());
    }

    Optional<InspectContainerResponse> inspectContainer(String idOrName) {
        return found("inspecting container '" + idOrName + "'", () -> client().inspectContainerCmd(idOrName).exec());
    }

    /** {@link #call}, with the engine's "no such image / container" as empty. */
    private <T> Optional<T> found(String what, Supplier<T> op) {
        try {
            return Optional.of(call(what, op));
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
    String create(StepContext<?> context, String image, Consumer<CreateContainerCmd> customize) {
        requireImage(image);
        return createChecked(context, image, customize);
    }

    /** {@link #create} for an image already known to exist. */
    String createChecked(StepContext<?> context, String image, Consumer<CreateContainerCmd> customize) {
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

    /**
     * Force-removes a container, never throwing; clears and restores the interrupt flag around the call. True when
     * the engine was removing it already (auto-remove): it is gone once the engine says so.
     */
    boolean removeQuietly(String containerId) {
        if (containerId == null) {
            return false;
        }
        boolean interrupted = Thread.interrupted();
        try {
            client().removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException ignored) {
            // already gone
        } catch (ConflictException e) {
            if (e.getMessage() != null && e.getMessage().contains("already in progress")) {
                return true;
            }
            LOG.warn("could not remove container {} on {}: {}", containerId, host(), Errors.rootMessage(e));
        } catch (RuntimeException e) {
            LOG.warn("could not remove container {} on {}: {}", containerId, host(), Errors.rootMessage(e));
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return false;
    }

    /** Containers (running or not) carrying all the given labels. */
    List<Container> containersLabelled(Map<String, String> labels) {
        return call("listing containers", () -> client().listContainersCmd().withShowAll(true).withLabelFilter(labels).exec());
    }

    /**
     * True when the engine's wait takes a condition ({@code next-exit}, {@code removed}; API 1.30+), so that it can
     * be registered before the container starts, and a container created with {@code HostConfig.AutoRemove} reports
     * its exit code once it is gone, as {@code docker run --rm} does.
     */
    boolean autoRemoves() {
        return ApiVersions.compare(connection.apiVersion(), WAIT_CONDITION_API) >= 0;
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
}
