package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepResources;
import dev.tasksync.spi.UpstreamNeed;
import dev.tasksync.spi.UpstreamStep;

import java.util.Optional;
import java.util.Set;

/**
 * Which image a step uses, decided in one place for {@code docker_run}, {@code docker_shell} and
 * {@code docker_rubrics}: its own {@code image_tag} or {@code image_id}, else the {@code image_id} of the nearest
 * upstream {@code docker_build} or {@code docker_pull}; and how messages name it (its tag, when an upstream step
 * built or pulled it as one).
 */
final class StepImage {
    /** The need of a docker_run or docker_rubrics that names no image. */
    private static final UpstreamNeed IMAGE_FROM_UPSTREAM = new UpstreamNeed("image_tag",
            Set.of(DockerBuild.TYPE, DockerPull.TYPE),
            "give image_tag or image_id, or depend on the docker_build or docker_pull step whose image it should use");

    private StepImage() {
    }

    /** What a step naming {@code imageTag} (or null) consumes: that image, made by a docker_build or docker_pull of its task. */
    static Set<String> consumed(String imageTag) {
        return imageTag == null ? Set.of() : Set.of(StepResources.image(imageTag));
    }

    /** A step that names no image runs the image of the docker_build (or docker_pull) upstream of it: one must be there. */
    static Optional<UpstreamNeed> upstreamNeed(String imageTag, String imageId) {
        return imageTag != null || imageId != null ? Optional.empty() : Optional.of(IMAGE_FROM_UPSTREAM);
    }

    /**
     * The image reference (tag or id) the step runs.
     *
     * @param who names the step in the failure when there is none, e.g. {@code docker_run}
     */
    static String of(StepContext<?> context, String imageTag, String imageId, String who) {
        if (imageTag != null) {
            return imageTag;
        }
        if (imageId != null) {
            return imageId;
        }
        for (UpstreamStep up : context.upstream()) {
            if ((up.type().equals(DockerBuild.TYPE) || up.type().equals(DockerPull.TYPE))
                    && up.results() != null && up.results().hasNonNull("image_id")) {
                return up.results().get("image_id").asText();
            }
        }
        throw new DockerStepException(who + " has no image: set image_tag or image_id, or depend on a docker_build step");
    }

    /**
     * As {@link #of(StepContext, String, String, String)}, and on this engine: an image an upstream docker_build pushed
     * (its results' {@code pushed}) that this engine does not have is pulled from the registry first, by digest, and
     * tagged as the build tagged it; a failure to pull fails the step (a {@link DockerStepException}).
     */
    static String of(StepContext<?> context, DockerOps docker, String imageTag, String imageId, String who) {
        String image = of(context, imageTag, imageId, who);
        pullIfPushed(context, docker, image);
        return image;
    }

    // acr16: docker_build "push": users on other engines pull what it pushed
    private static void pullIfPushed(StepContext<?> context, DockerOps docker, String image) {
        for (UpstreamStep up : context.upstream()) {
            JsonNode r = up.results();
            if (!up.type().equals(DockerBuild.TYPE) || r == null || !r.hasNonNull("pushed") || !names(r, image)) {
                continue;
            }
            if (docker.inspectImage(image).isPresent()) {
                return;
            }
            String from = r.path("repo_digest").asText(r.get("pushed").asText());
            context.log().line("image " + image + " is not on this engine; pulling " + from + ", which step " + up.id() + " pushed");
            String failed = ImageTransfer.pull(docker, context, from);
            if (failed != null) {
                throw new DockerStepException(failed);
            }
            if (!image.startsWith("sha256:") && !image.equals(from)) {
                String[] repoTag = ImageReference.repositoryAndTag(image);
                docker.run("tagging image '" + from + "' as '" + image + "'",
                        () -> docker.client().tagImageCmd(from, repoTag[0], repoTag[1]).withForce().exec());
            }
            return;
        }
    }

    /** Whether a build's results name {@code image}: its id, its tag, one of its tags, or where it pushed it. */
    private static boolean names(JsonNode results, String image) {
        if (image.equals(results.path("image_id").asText(null)) || image.equals(results.path("image_tag").asText(null))
                || image.equals(results.path("pushed").asText(null))) {
            return true;
        }
        for (JsonNode t : results.path("tags")) {
            if (image.equals(t.asText())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The tag an image id was built or pulled as by an upstream step of the task (which is how the user knows it),
     * or {@code image} itself when it is a tag already or no upstream step names it.
     */
    static String named(StepContext<?> context, String image) {
        if (image.startsWith("sha256:")) {
            for (UpstreamStep up : context.upstream()) {
                if ((up.type().equals(DockerBuild.TYPE) || up.type().equals(DockerPull.TYPE)) && up.results() != null
                        && image.equals(up.results().path("image_id").asText(null)) && up.results().hasNonNull("image_tag")) {
                    return up.results().get("image_tag").asText();
                }
            }
        }
        return image;
    }

    /** {@code 'my-app:1.0' (sha256:0123456789ab)} for an id known by its tag; {@code 'image'} otherwise. */
    static String label(String image, String named) {
        return named.equals(image) ? "'" + image + "'" : "'" + named + "' (" + shortImageId(image) + ")";
    }

    private static String shortImageId(String id) {
        return id.startsWith("sha256:") && id.length() > 19 ? id.substring(0, 19) : id;
    }
}
