package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.StepSettings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ArrayList;

/**
 * Settings of a {@code docker_run} step.
 *
 * @param imageTag       image to run by tag; with {@code imageId} null and this null, the image of the nearest
 *                       upstream {@code docker_build} is used
 * @param imageId        image to run by id
 * @param command        command and arguments (empty: the image's default command)
 * @param env            environment variables
 * @param workingDir     working directory inside the container
 * @param mounts         bind mounts
 * @param containerName  container name; a container of that name is replaced
 * @param detach         start and keep the container (its id goes to results for downstream steps)
 * @param okExitCodes    exit codes that count as success (default: 0)
 * @param limits         sandbox limits of the container ({@code limits}); null (the default) for none
 */
public record DockerRun(String imageTag, String imageId, List<String> command, Map<String, String> env,
                        String workingDir, List<Mount> mounts, String containerName, boolean detach,
                        List<Integer> okExitCodes, DockerLimits limits) implements StepSettings {
    public static final String TYPE = "docker_run";

    @Override
    public String type() {
        return TYPE;
    }

    public DockerRun(String imageTag, String imageId, List<String> command, Map<String, String> env,
                     String workingDir, List<Mount> mounts, String containerName, boolean detach, List<Integer> okExitCodes) {
        this(imageTag, imageId, command, env, workingDir, mounts, containerName, detach, okExitCodes, null);
    }

    /** Runs the container under these sandbox limits (null: none). */
    public DockerRun withLimits(DockerLimits limits) {
        return new DockerRun(imageTag, imageId, command, env, workingDir, mounts, containerName, detach, okExitCodes, limits);
    }

    /** A bind mount: a host path (relative to the task's local_path, or absolute) at {@code target}. */
    public record Mount(String source, String target, boolean readOnly) {
        public Mount {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
        }

        JsonNode toJson() {
            ObjectNode o = Settings.JSON.objectNode().put("source", source).put("target", target);
            if (readOnly) {
                o.put("read_only", true);
            }
            return o;
        }
    }

    public DockerRun {
        command = Settings.copy(command);
        env = Settings.copy(env);
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        okExitCodes = okExitCodes == null ? List.of() : List.copyOf(okExitCodes);
        if (imageTag != null && imageId != null) {
            throw new IllegalArgumentException("give image_tag or image_id, not both");
        }
    }

    /** Runs {@code command} in a container of {@code imageTag} (null: the upstream docker_build's image). */
    public static DockerRun of(String imageTag, String... command) {
        return new DockerRun(imageTag, null, List.of(command), Map.of(), null, List.of(), null, false, List.of());
    }

    public DockerRun withEnv(String name, String value) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put(name, value);
        return new DockerRun(imageTag, imageId, command, e, workingDir, mounts, containerName, detach, okExitCodes, limits);
    }

    public DockerRun withWorkingDir(String dir) {
        return new DockerRun(imageTag, imageId, command, env, dir, mounts, containerName, detach, okExitCodes, limits);
    }

    public DockerRun withMount(String source, String target, boolean readOnly) {
        List<Mount> m = new ArrayList<>(mounts);
        m.add(new Mount(source, target, readOnly));
        return new DockerRun(imageTag, imageId, command, env, workingDir, m, containerName, detach, okExitCodes, limits);
    }

    public DockerRun withContainerName(String name) {
        return new DockerRun(imageTag, imageId, command, env, workingDir, mounts, name, detach, okExitCodes, limits);
    }

    public DockerRun withDetach(boolean detach) {
        return new DockerRun(imageTag, imageId, command, env, workingDir, mounts, containerName, detach, okExitCodes, limits);
    }

    public DockerRun withOkExitCodes(Integer... codes) {
        return new DockerRun(imageTag, imageId, command, env, workingDir, mounts, containerName, detach, List.of(codes), limits);
    }


    /** Whether an exit code counts as success. */
    public boolean isOk(long exitCode) {
        return okExitCodes.isEmpty() ? exitCode == 0 : okExitCodes.stream().anyMatch(c -> c == exitCode);
    }

    @Override
    public JsonNode toJson() {
        ObjectNode o = Settings.image(imageTag, imageId);
        if (!command.isEmpty()) {
            o.set("command", Settings.array(command));
        }
        Settings.putMap(o, "env", env);
        Settings.putString(o, "working_dir", workingDir);
        if (!mounts.isEmpty()) {
            ArrayNode m = o.putArray("mounts");
            mounts.forEach(x -> m.add(x.toJson()));
        }
        Settings.putString(o, "container_name", containerName);
        if (detach) {
            o.put("detach", true);
        }
        if (!okExitCodes.isEmpty()) {
            ArrayNode codes = o.putArray("ok_exit_codes");
            okExitCodes.forEach(codes::add);
        }
        if (limits != null) {
            o.set("limits", limits.toJson());
        }
        return o;
    }
}
