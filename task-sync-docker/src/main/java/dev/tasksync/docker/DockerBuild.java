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
 * @param push       push the built image ({@code image_tag}, in {@code registry} when given) to its registry: its users
 *                   on other Docker engines pull it, so they need not run on the engine that built it
 * @param registry   the registry ({@code host[:port]}) to push to, as {@code registry/<image_tag's name>:<tag>}; null: the
 *                   registry {@code image_tag} names. Setting it implies {@code push}
 */
public record DockerBuild(String imageTag, List<String> files, List<String> shell, String context, String dockerfile,
                          List<String> tags, Map<String, String> buildArgs, boolean noCache,
                          boolean allowOutside, boolean push, String registry) implements StepSettings {
    public static final String TYPE = "docker_build";

    @Override
    public String type() {
        return TYPE;
    }

    public DockerBuild(String imageTag, List<String> files, List<String> shell, String context, String dockerfile,
                       List<String> tags, Map<String, String> buildArgs, boolean noCache) {
        this(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, false);
    }

    public DockerBuild(String imageTag, List<String> files, List<String> shell, String context, String dockerfile,
                       List<String> tags, Map<String, String> buildArgs, boolean noCache, boolean allowOutside) {
        this(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside, false, null);
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
        push = push || registry != null;
    }

    /** The reference it pushes ({@code registry/name:tag}, or {@code image_tag} itself), or null when it does not push. */
    public String pushedAs() {
        return !push ? null : registry == null ? imageTag : ImageReference.inRegistry(registry, imageTag);
    }

    /** Builds {@code imageTag} from the task's local_path, rebuilding when one of {@code files} changes. */
    public static DockerBuild of(String imageTag, String... files) {
        return new DockerBuild(imageTag, List.of(files), List.of(), null, null, List.of(), Map.of(), false);
    }

    public DockerBuild withShell(String... commands) {
        return new DockerBuild(imageTag, files, List.of(commands), context, dockerfile, tags, buildArgs, noCache, allowOutside, push, registry);
    }

    public DockerBuild withContext(String context) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside, push, registry);
    }

    public DockerBuild withDockerfile(String dockerfile) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside, push, registry);
    }

    public DockerBuild withTags(String... tags) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, List.of(tags), buildArgs, noCache, allowOutside, push, registry);
    }

    public DockerBuild withBuildArg(String name, String value) {
        Map<String, String> args = new LinkedHashMap<>(buildArgs);
        args.put(name, value);
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, args, noCache, allowOutside, push, registry);
    }

    public DockerBuild withNoCache(boolean noCache) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside, push, registry);
    }

    /** Lets {@code files}, {@code context} and {@code dockerfile} name paths outside the task's local_path. */
    public DockerBuild withAllowOutside(boolean allowOutside) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside, push, registry);
    }

    /** Pushes the built image to the registry its {@code image_tag} names. */
    public DockerBuild withPush(boolean push) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside, push, registry);
    }

    /** Pushes the built image to {@code registry} ({@code host[:port]}). */
    public DockerBuild withRegistry(String registry) {
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside, true, registry);
    }

    @Override
    public JsonNode toJson() {
        ObjectNode o = Settings.image(imageTag, null);
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
        if (push) {
            o.put("push", true);
        }
        Settings.putString(o, "registry", registry);
        return o;
    }
}
