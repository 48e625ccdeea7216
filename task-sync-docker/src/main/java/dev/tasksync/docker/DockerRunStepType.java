package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepResources;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import dev.tasksync.spi.UpstreamNeed;

/**
 * {@code docker_run}: runs a command in a new container. Without {@code detach} it runs to completion and the
 * container is removed (also after a failure, timeout or cancellation); with {@code detach} the container is
 * kept running and its id handed to downstream steps.
 */
public final class DockerRunStepType extends DockerStepType<DockerRun> {
    private static final Set<String> FIELDS = Set.of("image_tag", "image_id", "command", "env", "working_dir", "mounts", "limits",
            "container_name", "detach", "ok_exit_codes");

    private final DockerPolicy policy;

    /** Uses {@code connection} and the policy of {@link DockerPolicy#fromEnvironment()}. */
    public DockerRunStepType(DockerConnection connection) {
        this(connection, DockerPolicy.fromEnvironment());
    }

    public DockerRunStepType(DockerConnection connection, DockerPolicy policy) {
        super(connection, DockerRun.TYPE);
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** A detached run makes its named container, which a docker_shell of the task may use. */
    @Override
    public Set<String> produces(DockerRun settings) {
        return settings.detach() && settings.containerName() != null
                ? Set.of(StepResources.container(settings.containerName())) : Set.of();
    }

    /** The image it runs by tag: it waits for the step of the task that builds or pulls that tag. */
    @Override
    public Set<String> consumes(DockerRun settings) {
        return StepImage.consumed(settings.imageTag());
    }

    /** Without an image it runs the image of the docker_build (or docker_pull) upstream of it: one must be there. */
    @Override
    public Optional<UpstreamNeed> upstreamNeed(DockerRun settings) {
        return StepImage.upstreamNeed(settings.imageTag(), settings.imageId());
    }

    @Override
    public DockerRun parse(JsonSettings value) {
        Settings.onlyFields(value, FIELDS);
        String imageTag = Settings.optionalImage(value, "image_tag").orElse(null);
        String imageId = Settings.optionalImageId(value, "image_id").orElse(null);
        if (imageTag != null && imageId != null) {
            throw value.invalid("give image_tag or image_id, not both");
        }
        List<String> command = List.of();
        Optional<JsonSettings> c = value.optionalField("command");
        if (c.isPresent()) {
            if (c.get().isString()) {
                command = List.of("sh", "-c", c.get().asNonBlankString());
            } else {
                command = c.get().asStringList();
                if (command.isEmpty()) {
                    throw c.get().invalid("must not be empty (leave it out to run the image's default command)");
                }
            }
        }
        Map<String, String> env = env(value);
        String workingDir = Settings.optionalNonBlank(value, "working_dir").orElse(null);
        List<DockerRun.Mount> mounts = new ArrayList<>();
        value.optionalField("mounts").ifPresent(m -> m.asList().forEach(item -> mounts.add(mount(item))));
        String name = Settings.optionalNonBlank(value, "container_name").orElse(null);
        if (name != null && !name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            throw new InvalidSettingsException(value.path() + ".container_name",
                    "'" + name + "' is not a valid container name (letters, digits, _ . -)");
        }
        boolean detach = value.optionalBoolean("detach").orElse(false);
        List<Integer> ok = new ArrayList<>();
        value.optionalField("ok_exit_codes").ifPresent(o -> o.asList().forEach(i -> ok.add(i.asInt())));
        return new DockerRun(imageTag, imageId, command, env, workingDir, mounts, name, detach, ok,
                DockerLimits.parse(value, false).orElse(null));
    }

    /** {@code env} as an object {"K": "v"} or a list ["K=v"]. */
    static Map<String, String> env(JsonSettings value) {
        Optional<JsonSettings> e = value.optionalField("env");
        if (e.isEmpty()) {
            return Map.of();
        }
        if (e.get().isObject()) {
            return e.get().asStringMap();
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonSettings item : e.get().asList()) {
            String kv = item.asNonBlankString();
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw item.invalid("expected NAME=value, got '" + kv + "'");
            }
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return env;
    }

    private static DockerRun.Mount mount(JsonSettings item) {
        if (item.isString()) {
            String[] parts = item.asNonBlankString().split(":");
            if (parts.length < 2 || parts.length > 3 || (parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw"))) {
                throw item.invalid("expected \"source:target\" or \"source:target:ro\", got '" + item.asString() + "'");
            }
            return new DockerRun.Mount(parts[0], requireAbsolute(item, parts[1]), parts.length == 3 && parts[2].equals("ro"));
        }
        Settings.onlyFields(item, Set.of("source", "target", "read_only"));
        String source = item.field("source").asNonBlankString();
        JsonSettings target = item.field("target");
        return new DockerRun.Mount(source, requireAbsolute(target, target.asNonBlankString()),
                item.optionalBoolean("read_only").orElse(false));
    }

    private static String requireAbsolute(JsonSettings where, String target) {
        if (!target.startsWith("/")) {
            throw where.invalid("the container path must be absolute, got '" + target + "'");
        }
        return target;
    }

    @Override
    public Optional<String> staleReason(DockerRun settings, JsonNode lastResults) {
        if (!settings.detach() || lastResults == null || !lastResults.hasNonNull("container_id")) {
            return Optional.empty();
        }
        String id = lastResults.get("container_id").asText();
        try {
            var c = docker.inspectContainer(id);
            if (c.isEmpty()) {
                return Optional.of("container " + DockerOps.shortId(id) + " is gone");
            }
            if (c.get().getState() == null || !Boolean.TRUE.equals(c.get().getState().getRunning())) {
                return Optional.of("container " + DockerOps.shortId(id) + " is no longer running");
            }
            return Optional.empty();
        } catch (DockerStepException e) {
            return Optional.of("cannot check container " + DockerOps.shortId(id) + ": " + e.getMessage());
        }
    }

    @Override
    public StepOutcome execute(StepContext<DockerRun> context) throws Exception {
        return StepFailures.failingOn(results -> run(context, results), DockerStepException.class);
    }

    private StepOutcome run(StepContext<DockerRun> context, ObjectNode results) throws Exception {
        DockerRun s = context.settings();
        String image = StepImage.of(context, docker, s.imageTag(), s.imageId(), DockerRun.TYPE);
        results.put("image", image);
        String named = StepImage.named(context, image); // what messages call it: its tag rather than its id
        if (!named.equals(image)) {
            results.put("image_tag", named);
        }
        if (s.detach()) {
            results.put("image_id", docker.requireImage(image).getId());
        }
        results.put("detach", s.detach());

        // A re-run replaces this step's earlier container (detached, or left running by a killed worker).
        docker.removeEarlierAttempts(context);
        if (s.containerName() != null) {
            docker.inspectContainer(s.containerName()).ifPresent(old -> {
                context.log().line("replacing container " + s.containerName() + " (" + DockerOps.shortId(old.getId()) + ")");
                docker.removeQuietly(old.getId());
            });
        }

        List<Bind> binds = new ArrayList<>();
        for (DockerRun.Mount m : s.mounts()) {
            String source = context.resolve(m.source()).toString();
            Optional<String> refused = policy.refuseMount(m.source(), Path.of(source));
            if (refused.isPresent()) {
                return StepOutcome.failure(refused.get(), results);
            }
            binds.add(new Bind(source, new Volume(m.target()), m.readOnly() ? AccessMode.ro : AccessMode.rw));
        }
        List<String> env = new ArrayList<>();
        s.env().forEach((k, v) -> env.add(k + "=" + v));
        // Run to completion like `docker run --rm`: the engine removes the container when it exits (and also when
        // it fails to start), so there is no remove call, and nothing is left behind even if this process dies.
        boolean autoRemove = !s.detach() && docker.autoRemoves();

        long started = System.nanoTime();
        String id;
        try {
            id = docker.createChecked(context, image, cmd -> {
                if (!s.command().isEmpty()) {
                    cmd.withCmd(s.command());
                }
                if (!env.isEmpty()) {
                    cmd.withEnv(env);
                }
                if (s.workingDir() != null) {
                    cmd.withWorkingDir(s.workingDir());
                }
                if (s.containerName() != null) {
                    cmd.withName(s.containerName());
                }
                cmd.withHostConfig(HostConfig.newHostConfig().withBinds(binds).withAutoRemove(autoRemove ? true : null));
                if (s.limits() != null) {
                    s.limits().applyTo(cmd);
                }
            });
        } catch (DockerStepException e) {
            if (!s.detach() && e.getCause() instanceof NotFoundException) {
                docker.requireImage(image); // a missing image is named as such
            }
            throw e;
        }
        if (s.detach()) {
            return detached(context, s, image, named, id, results);
        }
        Output output = new Output(context.log(), "");
        // timeout_seconds (read by the core) and cancellation stop the step: its thread is interrupted, which ends the wait.
        StepWait wait = StepWait.untilStopped(context::isCancelled);
        AttachedContainer attached = null;
        try {
            // Output attached and the exit awaited before the start, as `docker run` does: nothing is missed.
            attached = AttachedContainer.attach(docker, id, named, output, autoRemove, wait);
            try {
                docker.start(id, named);
            } catch (DockerStepException e) {
                try {
                    docker.inspectImage(image).ifPresent(i -> results.put("image_id", i.getId()));
                } catch (DockerStepException ignored) {
                    // the start's failure is the one to report
                }
                throw wait.stopOr(e);
            }
            try {
                // Looked up while the container runs: its output and exit arrive on the engine's streams meanwhile.
                docker.inspectImage(image).ifPresent(i -> results.put("image_id", i.getId()));
            } catch (DockerStepException e) {
                throw wait.stopOr(e);
            }
            ProcessExit exit = attached.awaitExit(wait);
            results.put("exit_code", exit.exitCode());
            results.put("stdout", exit.stdout());
            results.put("stderr", exit.stderr());
            if (output.linesCut() > 0) {
                results.put("log_lines_cut", output.linesCut());
            }
            results.put("duration_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            if (!s.isOk(exit.exitCode())) {
                return StepOutcome.failure("container " + DockerOps.shortId(id) + " (image " + StepImage.label(image, named) + ") exited with "
                        + exit.exitCode() + DockerBuildStepType.tailForMessage(exit.stderr(), exit.stdout()), results);
            }
            return StepOutcome.success(results);
        } catch (StepStopped stopped) {
            results.put("stdout", output.stdoutTail());
            results.put("stderr", output.stderrTail());
            results.put(stopped.resultKey(), true);
            return StepOutcome.failure(stopped.getMessage() + "; container removed", results);
        } finally {
            if (attached != null) {
                attached.remove(); // nothing to do when the engine removed it
                attached.close();
            } else {
                docker.removeQuietly(id);
            }
        }
    }

    /** {@code detach}: starts the container and leaves it running; its id goes to downstream steps. */
    private StepOutcome detached(StepContext<DockerRun> context, DockerRun s, String image, String named, String id,
                                 ObjectNode results) {
        boolean keep = false;
        try {
            docker.start(id, named);
            var state = docker.inspectContainer(id).map(InspectContainerResponse::getState).orElse(null);
            if (state != null && !Boolean.TRUE.equals(state.getRunning()) && state.getExitCodeLong() != null
                    && state.getExitCodeLong() != 0) {
                results.put("exit_code", state.getExitCodeLong());
                return StepOutcome.failure("detached container " + DockerOps.shortId(id) + " (image " + StepImage.label(image, named)
                        + ") exited at once with " + state.getExitCodeLong(), results);
            }
            keep = true;
            results.put("container_id", id);
            results.put("container_name", s.containerName() != null ? s.containerName()
                    : docker.inspectContainer(id).map(c -> c.getName().replaceFirst("^/", "")).orElse(null));
            context.log().line("started container " + DockerOps.shortId(id) + " from " + StepImage.label(image, named));
            docker.pin(results); // the container runs on this engine: the shells that use it run here
            return StepOutcome.success(results);
        } finally {
            if (!keep) {
                docker.removeQuietly(id);
            }
        }
    }
}
