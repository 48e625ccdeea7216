package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.command.BuildImageCmd;
import com.github.dockerjava.api.model.BuildResponseItem;
import dev.tasksync.LogLine;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.LocalFiles;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepResources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code docker_build}: runs the {@code shell} commands on the host, then builds the image from the context
 * (honouring {@code .dockerignore}). Re-runs only when a watched file changed or the image is gone.
 */
public final class DockerBuildStepType extends DockerStepType<DockerBuild> {
    private static final Set<String> FIELDS = Set.of("image_tag", "files", "shell", "context", "dockerfile", "tags",
            "build_args", "no_cache", LocalFiles.ALLOW_OUTSIDE, "push", "registry");

    private final DockerPolicy policy;

    /** Uses {@code connection} and the policy of {@link DockerPolicy#fromEnvironment()}. */
    public DockerBuildStepType(DockerConnection connection) {
        this(connection, DockerPolicy.fromEnvironment());
    }

    public DockerBuildStepType(DockerConnection connection, DockerPolicy policy) {
        super(connection, DockerBuild.TYPE);
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** The image it builds, under its tag and its extra tags: steps of the task that use them wait for this one. */
    @Override
    public Set<String> produces(DockerBuild settings) {
        Set<String> made = new LinkedHashSet<>();
        made.add(StepResources.image(settings.imageTag()));
        settings.tags().forEach(t -> made.add(StepResources.image(t)));
        return made;
    }

    @Override
    public DockerBuild parse(JsonSettings value) {
        Settings.onlyFields(value, FIELDS);
        String imageTag = ImageReference.check(value.field("image_tag"), false);
        List<String> files = Settings.nonBlankList(value, "files");
        List<String> shell = Settings.nonBlankList(value, "shell");

        String context = Settings.optionalNonBlank(value, "context").orElse(null);
        String dockerfile = Settings.optionalNonBlank(value, "dockerfile").orElse(null);
        List<String> tags = value.optionalField("tags")
                .map(list -> list.asList().stream().map(t -> ImageReference.check(t, false)).toList()).orElse(List.of());
        var buildArgs = value.stringMap("build_args");
        boolean noCache = value.optionalBoolean("no_cache").orElse(false);
        boolean allowOutside = value.optionalBoolean(LocalFiles.ALLOW_OUTSIDE).orElse(false);
        // acr16: push / registry
        Optional<Boolean> push = value.optionalBoolean("push");
        String registry = value.optionalField("registry").map(ImageReference::checkRegistry).orElse(null);
        if (registry != null && push.isPresent() && !push.get()) {
            throw value.field("registry").invalid("is set, but push is false: a registry is where the image is pushed");
        }
        if (registry == null && push.orElse(false) && ImageReference.registryOf(imageTag) == null) {
            throw value.field("push").invalid("image_tag '" + imageTag + "' names no registry: set \"registry\": \"host:port\","
                    + " or tag the image in one, such as localhost:5000/" + imageTag);
        }
        return new DockerBuild(imageTag, files, shell, context, dockerfile, tags, buildArgs, noCache, allowOutside,
                push.orElse(false), registry);
    }

    @Override
    public List<String> watchedFiles(DockerBuild settings) {
        return settings.files();
    }

    @Override
    public boolean allowsOutside(DockerBuild settings) {
        return settings.allowOutside();
    }

    @Override
    public Optional<String> staleReason(DockerBuild settings, JsonNode lastResults) {
        try {
            var image = docker.inspectImage(settings.imageTag());
            if (image.isEmpty()) {
                return Optional.of("image '" + settings.imageTag() + "' is gone");
            }
            String built = lastResults == null ? null : lastResults.path("image_id").asText(null);
            if (built != null && !built.equals(image.get().getId())) {
                return Optional.of("image '" + settings.imageTag() + "' now names another image");
            }
            return Optional.empty();
        } catch (DockerStepException e) {
            return Optional.of("cannot check image '" + settings.imageTag() + "': " + e.getMessage());
        }
    }

    @Override
    public StepOutcome execute(StepContext<DockerBuild> context) throws Exception {
        return StepFailures.failingOn(results -> build(context, results), DockerStepException.class, LocalFiles.OutsideLocalPathException.class);
    }

    private StepOutcome build(StepContext<DockerBuild> context, ObjectNode results) throws Exception {
        DockerBuild s = context.settings();
        results.put("image_tag", s.imageTag());
        long started = System.nanoTime();
        // Checked before the shell commands run: a build that would read outside local_path does nothing.
        for (String f : s.files()) {
            LocalFiles.resolve(context.localPath(), f, s.allowOutside());
        }
        Path contextDir = LocalFiles.resolve(context.localPath(), s.context() == null ? "." : s.context(), s.allowOutside());
        Path dockerfile = s.dockerfile() == null ? contextDir.resolve("Dockerfile")
                : LocalFiles.resolve(context.localPath(), s.dockerfile(), s.allowOutside());

        // Shell commands an earlier attempt left running (its JVM was killed) end before this attempt's start.
        HostShell.killEarlierAttempt(context);
        if (!s.shell().isEmpty()) {
            Optional<String> refused = policy.refuseHostShell();
            if (refused.isPresent()) {
                return StepOutcome.failure(refused.get(), results);
            }
            ArrayNode shell = results.putArray("shell");
            for (String command : s.shell()) {
                context.log().line("$ " + command);
                HostShell.Result r;
                try {
                    r = HostShell.run(command, context.localPath(), context, context::isCancelled);
                } catch (StepStopped e) {
                    return StepOutcome.failure(e.getMessage(), results);
                }
                shell.addObject().put("command", command).put("exit_code", r.exitCode())
                        .put("stdout", r.stdout()).put("stderr", r.stderr()).put("duration_ms", r.durationMillis());
                if (r.exitCode() != 0) {
                    return StepOutcome.failure("shell command '" + command + "' exited with " + r.exitCode()
                            + tailForMessage(r.stderr(), r.stdout()), results);
                }
            }
        }

        if (!Files.isDirectory(contextDir)) {
            return StepOutcome.failure("build context " + contextDir + " is not a directory", results);
        }
        if (!Files.isRegularFile(dockerfile)) {
            return StepOutcome.failure("no Dockerfile at " + dockerfile + " for image '" + s.imageTag() + "'", results);
        }
        if (!s.allowOutside() && LocalFiles.linksOutside(context.localPath(), dockerfile)) {
            return StepOutcome.failure("the Dockerfile " + dockerfile + " is a symbolic link out of the task's local_path "
                    + context.localPath() + "; it is not read unless the settings say \"allow_outside\": true", results);
        }
        if (!dockerfile.startsWith(contextDir)) {
            return StepOutcome.failure("the Dockerfile " + dockerfile + " must be inside the build context " + contextDir, results);
        }
        Set<String> tags = new LinkedHashSet<>();
        tags.add(s.imageTag());
        tags.addAll(s.tags());

        var callback = new EngineCallback<BuildResponseItem>() {
            String built; // the id the engine said it built

            @Override
            public void onNext(BuildResponseItem item) {
                if (item.getStream() != null) {
                    for (String line : item.getStream().split("\n")) {
                        if (line.length() > Output.MAX_LINE_BYTES) {
                            // The engine sent it whole; the log keeps its bound as for container output.
                            context.log().line(line.substring(0, Output.MAX_LINE_BYTES) + " [line cut: "
                                    + line.length() + " characters, longer than " + Output.MAX_LINE_BYTES + "]");
                        } else if (!line.isBlank()) {
                            context.log().line(line.stripTrailing());
                        }
                    }
                }
                String error = error(item);
                if (error != null) {
                    context.log().line(LogLine.Stream.STDERR, "error: " + error);
                }
                if (item.getStream() != null && item.getStream().startsWith("Successfully built ")) {
                    built = item.getStream().substring("Successfully built ".length()).strip();
                }
            }
        };
        String what = "building image '" + s.imageTag() + "' from " + contextDir;
        docker.call(what, () -> {
            BuildImageCmd cmd = docker.client().buildImageCmd()
                    .withBaseDirectory(contextDir.toFile())
                    .withDockerfile(dockerfile.toFile())
                    .withTags(tags)
                    .withNoCache(s.noCache())
                    .withRemove(true)
                    .withForcerm(true)
                    .withLabels(DockerOps.labels(context));
            s.buildArgs().forEach(cmd::withBuildArg);
            return cmd.exec(callback);
        });
        String failed = callback.await(docker, context, what);
        if (failed != null) {
            return StepOutcome.failure(failed, results);
        }
        String imageId = callback.built;
        String fullId = docker.requireImage(s.imageTag()).getId();
        if (imageId != null && !fullId.replace("sha256:", "").startsWith(imageId)) {
            return StepOutcome.failure(what + " finished, but tag '" + s.imageTag() + "' names " + DockerOps.shortId(fullId)
                    + " instead of the built " + imageId, results);
        }
        results.put("image_id", fullId);
        results.set("tags", Settings.array(List.copyOf(tags)));
        results.put("duration_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        context.log().line("built " + s.imageTag() + " " + DockerOps.shortId(fullId));
        if (s.push()) {
            // acr16: in a registry, the image is reachable from every engine: its users pull it there, nothing is pinned
            String pushFailed = push(context, s, fullId, results);
            if (pushFailed != null) {
                return StepOutcome.failure(pushFailed, results);
            }
        } else {
            docker.pin(results); // the image lives on this engine: its users run here
        }
        return StepOutcome.success(results);
    }

    /** Tags the image in the registry (when given), pushes it, and records where: {@code pushed} and {@code repo_digest}. */
    private String push(StepContext<DockerBuild> context, DockerBuild s, String imageId, ObjectNode results) {
        String ref = s.pushedAs();
        if (!ref.equals(s.imageTag())) {
            String[] repoTag = ImageReference.repositoryAndTag(ref);
            docker.run("tagging image '" + s.imageTag() + "' as '" + ref + "'",
                    () -> docker.client().tagImageCmd(imageId, repoTag[0], repoTag[1]).withForce().exec());
        }
        String failed = ImageTransfer.push(docker, context, ref);
        if (failed != null) {
            return failed;
        }
        String repository = ImageReference.repositoryAndTag(ref)[0];
        List<String> digests = docker.requireImage(imageId).getRepoDigests();
        String digest = digests == null ? null : digests.stream().filter(d -> d.startsWith(repository + "@")).findFirst().orElse(null);
        results.put("pushed", ref);
        if (digest != null) {
            results.put("repo_digest", digest);
        }
        context.log().line("pushed " + ref + (digest == null ? "" : " " + digest.substring(digest.indexOf('@') + 1)));
        return null;
    }

    static String tailForMessage(String stderr, String stdout) {
        String text = stderr != null && !stderr.isBlank() ? stderr : stdout;
        if (text == null || text.isBlank()) {
            return "";
        }
        String t = text.strip();
        if (t.length() > 300) {
            t = "..." + t.substring(t.length() - 300);
        }
        return ": " + t;
    }
}
