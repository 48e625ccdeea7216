package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.StepSettings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@code docker_build} step.
 *
 * @param imageTag   the tag given to the built image (required)
 * @param files      files and directories (relative to the task's local_path) whose content triggers a rebuild
 * @param shell      commands run with {@code sh -c} on the host in local_path before the build, in order
 * @param context    the build context directory (default: the task's local_path)
 * @param dockerfile the Dockerfile, relative to local_path (default: {@code Dockerfile} in the context)
 * @param tags       extra tags for the image
 * @param buildArgs  build arguments ({@code ARG} values)
 * @param noCache    build without the layer cache
 * @param allowOutside lets {@code files}, {@code context} and {@code dockerfile} name paths outside local_path
 *                   ({@code allow_outside}); the build context sends symbolic links as links either way
 */
public record DockerBuild(String imageTag, List<String> files, List<String> shell, String context, String dockerfile,
                          List<String> tags, Map<String, String> buildArgs, boolean noCache,
                          boolean allowOutside) implements StepSettings {
    public static final String TYPE = "docker_build";

    public DockerBuild(String imageTag, List<String> files, List<String> shell, String context, String dockerfile,
                       List<String> tags, Map<String, String> buildArgs, boolean noCache) {
        this(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, false);
    }

    public DockerBuild {
        Objects.requireNonNull(imageTag, "imageTag");
        if (imageTag.isBlank()) {
            throw new IllegalArgumentException("imageTag must not be blank");
        }
        files = Settings.copy(files);
        shell = Settings.copy(shell);
        tags = Settings.copy(tags);
        buildArgs = Settings.copy(buildArgs);
    }

    /** Builds {@code imageTag} from the task's local_path, rebuilding when one of {@code files} changes. */
    public static DockerBuild of(String imageTag, String... files) {
        return new DockerBuild(imageTag, List.of(files), List.of(), null, null, List.of(), Map.of(), false);
    }

    public DockerBuild withShell(String... commands) {
        return new DockerBuild(imageTag, files, List.of(commands), context, dockerfile, tags, buildArgs, noCache, allowOutside);
    }

    public DockerBuild withContext(String context) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside);
    }

    public DockerBuild withDockerfile(String dockerfile) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside);
    }

    public DockerBuild withTags(String... tags) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, List.of(tags), buildArgs, noCache, allowOutside);
    }

    public DockerBuild withBuildArg(String name, String value) {
        Map<String, String> args = new LinkedHashMap<>(buildArgs);
        args.put(name, value);
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, args, noCache, allowOutside);
    }

    public DockerBuild withNoCache(boolean noCache) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside);
    }

    /** Lets {@code files}, {@code context} and {@code dockerfile} name paths outside the task's local_path. */
    public DockerBuild withAllowOutside(boolean allowOutside) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JsonNode toJson() {
        ObjectNode o = Settings.JSON.objectNode();
        o.put("image_tag", imageTag);
        Settings.putList(o, "files", files);
        Settings.putList(o, "shell", shell);
        Settings.putString(o, "context", context);
        Settings.putString(o, "dockerfile", dockerfile);
        Settings.putList(o, "tags", tags);
        Settings.putMap(o, "build_args", buildArgs);
        if (noCache) {
            o.put("no_cache", true);
        }
        if (allowOutside) {
            o.put("allow_outside", true);
        }
        return o;
    }
}
