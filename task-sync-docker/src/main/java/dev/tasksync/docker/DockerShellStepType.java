package dev.tasksync.docker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepResources;
import dev.tasksync.spi.UpstreamNeed;
import dev.tasksync.spi.UpstreamStep;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import dev.tasksync.InvalidSettingsException;
import java.util.stream.Stream;

/**
 * {@code docker_shell}: runs commands through {@code sh -c}, in order, stopping at the first failure, either in an
 * existing container or in a fresh one (removed afterwards).
 */
public final class DockerShellStepType extends DockerStepType<DockerShell> {
    private static final Set<String> FIELDS = Set.of("docker", "command", "working_dir", "env", "command_timeout_seconds", "limits");

    public DockerShellStepType(DockerConnection connection) {
        super(connection, DockerShell.TYPE);
    }

    /** Its image by tag, or its container by name: it waits for the step of the task that makes it. */
    @Override
    public Set<String> consumes(DockerShell settings) {
        DockerShell.Target target = settings.target();
        if (target == null) {
            return Set.of();
        }
        if (target.imageTag() != null) {
            return Set.of(StepResources.image(target.imageTag()));
        }
        if (target.containerName() != null) {
            return Set.of(StepResources.container(target.containerName()));
        }
        return Set.of();
    }

    /**
     * Without a target it execs in the container of a detached docker_run upstream of it, else in a fresh container
     * of the image of the nearest docker_build, docker_pull or docker_run upstream: one of them must be there.
     */
    @Override
    public Optional<UpstreamNeed> upstreamNeed(DockerShell settings) {
        return settings.target() != null ? Optional.empty() : Optional.of(TARGET_FROM_UPSTREAM);
    }

    private static final UpstreamNeed TARGET_FROM_UPSTREAM = new UpstreamNeed("docker",
            Set.of(DockerRun.TYPE, DockerBuild.TYPE, DockerPull.TYPE),
            "give docker.image_tag, image_id, container_id or container_name, or depend on a docker_run"
                    + " (\"detach\": true to exec in its container) or on the docker_build or docker_pull step whose image it should use");

    @Override
    public DockerShell parse(JsonSettings value) {
        Settings.onlyFields(value, FIELDS);
        DockerShell.Target target = value.optionalField("docker").map(DockerShellStepType::target).orElse(null);
        List<DockerShell.Command> commands = commands(value.field("command"));
        String workingDir = Settings.optionalNonBlank(value, "working_dir").orElse(null);
        Map<String, String> env = DockerRunStepType.env(value);
        long timeout = Settings.timeout(value, "command_timeout_seconds").map(Duration::toSeconds).orElse(0L);
        return new DockerShell(target, commands, workingDir, env, timeout, DockerLimits.parse(value, false).orElse(null));
    }

    private static DockerShell.Target target(JsonSettings docker) {
        Settings.onlyFields(docker, Set.of("image_tag", "image_id", "container_id", "container_name"));
        String imageTag = Settings.optionalImage(docker, "image_tag").orElse(null);
        String imageId = Settings.optionalImageId(docker, "image_id").orElse(null);
        String containerId = docker.optionalField("container_id").map(ImageReference::checkContainerId).orElse(null);
        String containerName = Settings.optionalNonBlank(docker, "container_name").orElse(null);
        if (containerName != null && !containerName.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            throw new InvalidSettingsException(docker.path() + ".container_name",
                    "'" + containerName + "' is not a valid container name (letters, digits, _ . -)");
        }
        long set = Stream.of(imageTag, imageId, containerId, containerName).filter(x -> x != null).count();
        if (set != 1) {
            throw docker.invalid("give exactly one of image_tag, image_id, container_id, container_name"
                    + (set == 0 ? "" : " (got " + set + ")"));
        }
        return new DockerShell.Target(imageTag, imageId, containerId, containerName);
    }

    /** The seed's list of {"command": "..."} objects; {"run_tests": "..."} style labels and plain strings too. */
    static List<DockerShell.Command> commands(JsonSettings list) {
        List<DockerShell.Command> commands = new ArrayList<>();
        if (list.isString()) {
            return List.of(DockerShell.Command.of(list.asNonBlankString()));
        }
        for (JsonSettings item : list.asList()) {
            if (item.isString()) {
                commands.add(DockerShell.Command.of(item.asNonBlankString()));
                continue;
            }
            item.requireObject();
            if (item.json().size() != 1) {
                throw item.invalid("expected one key naming the command, e.g. {\"command\": \"ls /\"} or {\"run_tests\": \"make test\"}");
            }
            Iterator<String> names = item.json().fieldNames();
            String label = names.next();
            commands.add(new DockerShell.Command(label, item.field(label).asNonBlankString()));
        }
        if (commands.isEmpty()) {
            throw list.invalid("needs at least one command");
        }
        return commands;
    }

    @Override
    public StepOutcome execute(StepContext<DockerShell> context) throws Exception {
        return StepFailures.failingOn(results -> run(context, results), DockerStepException.class);
    }

    private StepOutcome run(StepContext<DockerShell> context, ObjectNode results) throws Exception {
        DockerShell s = context.settings();
        String containerId;
        String fresh = null;
        DockerShell.Target t = s.target();
        if (t != null && (t.containerId() != null || t.containerName() != null)) {
            containerId = running(t.containerId() != null ? t.containerId() : t.containerName());
        } else if (t != null) {
            fresh = freshContainer(context, StepImage.of(context, docker, t.imageTag(), t.imageId(), DockerShell.TYPE), s.limits(), results);
            containerId = fresh;
        } else {
            Optional<UpstreamStep> kept = context.upstream().stream()
                    .filter(u -> u.type().equals(DockerRun.TYPE) && u.results() != null && u.results().hasNonNull("container_id"))
                    .findFirst();
            if (kept.isPresent()) {
                containerId = running(kept.get().results().get("container_id").asText());
            } else {
                // No container kept upstream (a docker_run without "detach" removes its own): a fresh one of the image
                UpstreamStep from = upstreamImage(context);
                String image = from.results().get("image_id").asText();
                context.log().line("no docker target and no detached docker_run upstream: a fresh container of the image of "
                        + from.type() + " '" + from.title() + "' (" + image + ")");
                fresh = freshContainer(context, image, s.limits(), results);
                containerId = fresh;
            }
        }
        results.put("container_id", containerId);
        try {
            ArrayNode out = results.putArray("commands");
            Duration timeout = s.commandTimeoutSeconds() > 0 ? Duration.ofSeconds(s.commandTimeoutSeconds())
                    : s.limits() != null ? Duration.ofSeconds(s.limits().timeoutSeconds()) : null;
            ContainerExec exec = new ContainerExec(docker, containerId);
            for (DockerShell.Command c : s.commands()) {
                context.log().line("[" + c.label() + "] $ " + c.command());
                ObjectNode r = out.addObject().put("label", c.label()).put("command", c.command());
                Output output = new Output(context.log(), "[" + c.label() + "] ");
                ProcessExit exit;
                List<String> env = new ArrayList<>();
                s.env().forEach((k, v) -> env.add(k + "=" + v));
                try {
                    exit = exec.run(c.command(), s.workingDir(), env, output, StepWait.within(timeout, context::isCancelled));
                } catch (StepStopped stopped) {
                    r.put("stdout", output.stdoutTail()).put("stderr", output.stderrTail())
                            .put(stopped.resultKey(), true);
                    return StepOutcome.failure(c.label() + ": " + stopped.getMessage(), results);
                }
                r.put("exit_code", exit.exitCode()).put("stdout", exit.stdout()).put("stderr", exit.stderr())
                        .put("duration_ms", exit.duration().toMillis());
                if (exit.exitCode() != 0) {
                    return StepOutcome.failure(c.label() + ": command '" + c.command() + "' exited with " + exit.exitCode()
                            + " in container " + DockerOps.shortId(containerId)
                            + DockerBuildStepType.tailForMessage(exit.stderr(), exit.stdout()), results);
                }
            }
            return StepOutcome.success(results);
        } finally {
            if (fresh != null) {
                docker.removeQuietly(fresh);
            }
        }
    }

    /** The nearest upstream docker_build, docker_pull or docker_run that recorded the image it made or ran. */
    private static UpstreamStep upstreamImage(StepContext<DockerShell> context) {
        for (UpstreamStep up : context.upstream()) {
            if ((up.type().equals(DockerBuild.TYPE) || up.type().equals(DockerPull.TYPE) || up.type().equals(DockerRun.TYPE))
                    && up.results() != null && up.results().hasNonNull("image_id")) {
                return up;
            }
        }
        throw new DockerStepException(DockerShell.TYPE + " has no target: no docker target given, and no docker_run, "
                + "docker_build or docker_pull upstream recorded a container or an image; " + TARGET_FROM_UPSTREAM.hint());
    }

    /** The id of a running container, or a failure naming it. */
    private String running(String idOrName) {
        var c = docker.inspectContainer(idOrName).orElseThrow(() -> new DockerStepException(
                "container '" + idOrName + "' not found on the Docker engine at " + docker.host()));
        if (c.getState() == null || !Boolean.TRUE.equals(c.getState().getRunning())) {
            throw new DockerStepException("container '" + idOrName + "' is not running (Docker engine at " + docker.host() + ")");
        }
        return c.getId();
    }

    /** Starts a labelled container of {@code image} that idles until removed. */
    String freshContainer(StepContext<?> context, String image, DockerLimits limits, ObjectNode results) {
        results.put("image", image);
        String named = StepImage.named(context, image);
        if (!named.equals(image)) {
            results.put("image_tag", named);
        }
        String id = docker.create(context, image, cmd -> {
            cmd.withEntrypoint(DockerOps.KEEP_ALIVE).withCmd(List.of());
            if (limits != null) {
                limits.applyTo(cmd);
            }
        });
        try {
            docker.start(id, named);
        } catch (RuntimeException e) {
            docker.removeQuietly(id);
            throw e;
        }
        results.put("fresh_container", true);
        return id;
    }
}
