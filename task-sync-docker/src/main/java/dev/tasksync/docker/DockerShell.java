package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.StepSettings;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ArrayList;

/**
 * Settings of a {@code docker_shell} step: commands run one after another through {@code sh -c} in a container.
 *
 * @param target         where to run; null means the container of the nearest upstream {@code docker_run}
 *                       (or a fresh container of the nearest upstream {@code docker_build}'s image)
 * @param commands       the commands, each with a label ({@code command}, {@code run_tests}, ...)
 * @param workingDir     working directory for the commands
 * @param env            environment variables for the commands
 * @param commandTimeoutSeconds limit per command (0: none, or the limits' timeout)
 * @param limits         sandbox limits of a fresh container ({@code limits}); null (the default) for none
 */
public record DockerShell(Target target, List<Command> commands, String workingDir, Map<String, String> env,
                          long commandTimeoutSeconds, DockerLimits limits) implements StepSettings {
    public static final String TYPE = "docker_shell";

    @Override
    public String type() {
        return TYPE;
    }

    public DockerShell(Target target, List<Command> commands, String workingDir, Map<String, String> env,
                       long commandTimeoutSeconds) {
        this(target, commands, workingDir, env, commandTimeoutSeconds, null);
    }

    /** Runs a fresh container under these sandbox limits (null: none); an existing container keeps its own. */
    public DockerShell withLimits(DockerLimits limits) {
        return new DockerShell(target, commands, workingDir, env, commandTimeoutSeconds, limits);
    }

    /**
     * The {@code docker} object: exactly one of an image (a fresh container, removed afterwards) or an existing
     * container by id or name.
     */
    public record Target(String imageTag, String imageId, String containerId, String containerName) {
        public Target {
            long set = Arrays.asList(imageTag, imageId, containerId, containerName).stream().filter(Objects::nonNull).count();
            if (set != 1) {
                throw new IllegalArgumentException("give exactly one of image_tag, image_id, container_id, container_name");
            }
        }

        public static Target image(String imageTag) {
            return new Target(imageTag, null, null, null);
        }

        public static Target container(String containerId) {
            return new Target(null, null, containerId, null);
        }

        public static Target containerNamed(String name) {
            return new Target(null, null, null, name);
        }

        JsonNode toJson() {
            ObjectNode o = Settings.image(imageTag, imageId);
            Settings.putString(o, "container_id", containerId);
            Settings.putString(o, "container_name", containerName);
            return o;
        }
    }

    /** One command; {@code label} is its key in the JSON ({@code {"run_tests": "make test"}}). */
    public record Command(String label, String command) {
        public static final String DEFAULT_LABEL = "command";

        public Command {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(command, "command");
        }

        public static Command of(String command) {
            return new Command(DEFAULT_LABEL, command);
        }
    }

    public DockerShell {
        commands = List.copyOf(commands);
        env = Settings.copy(env);
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("docker_shell needs at least one command");
        }
    }

    /** Runs {@code commands} in {@code target} (null: the upstream docker_run's container). */
    public static DockerShell of(Target target, String... commands) {
        return new DockerShell(target, Arrays.stream(commands).map(Command::of).toList(), null, Map.of(), 0);
    }

    public DockerShell withCommand(String label, String command) {
        List<Command> c = new ArrayList<>(commands);
        c.add(new Command(label, command));
        return new DockerShell(target, c, workingDir, env, commandTimeoutSeconds, limits);
    }

    public DockerShell withWorkingDir(String dir) {
        return new DockerShell(target, commands, dir, env, commandTimeoutSeconds, limits);
    }

    public DockerShell withCommandTimeoutSeconds(long seconds) {
        return new DockerShell(target, commands, workingDir, env, seconds, limits);
    }

    @Override
    public JsonNode toJson() {
        ObjectNode o = Settings.JSON.objectNode();
        if (target != null) {
            o.set("docker", target.toJson());
        }
        ArrayNode c = o.putArray("command");
        commands.forEach(x -> c.addObject().put(x.label(), x.command()));
        Settings.putString(o, "working_dir", workingDir);
        Settings.putMap(o, "env", env);
        if (commandTimeoutSeconds > 0) {
            o.put("command_timeout_seconds", commandTimeoutSeconds);
        }
        if (limits != null) {
            o.set("limits", limits.toJson());
        }
        return o;
    }
}
