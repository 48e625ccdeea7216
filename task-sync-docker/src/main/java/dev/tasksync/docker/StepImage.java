package dev.tasksync.docker;

import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.UpstreamStep;

/**
 * Which image a step uses, decided in one place for {@code docker_run}, {@code docker_shell} and
 * {@code docker_rubrics}: its own {@code image_tag} or {@code image_id}, else the {@code image_id} of the nearest
 * upstream {@code docker_build} or {@code docker_pull}; and how messages name it (its tag, when an upstream step
 * built or pulled it as one).
 */
final class StepImage {
    private StepImage() {
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
