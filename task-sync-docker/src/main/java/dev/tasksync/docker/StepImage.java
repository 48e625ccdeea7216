package dev.tasksync.docker;

import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.UpstreamStep;

/**
 * Which image a step uses, decided in one place for {@code docker_run}, {@code docker_shell} and
 * {@code docker_rubrics}: its own {@code image_tag} or {@code image_id}, else the {@code image_id} of the nearest
 * upstream {@code docker_build} or {@code docker_pull}.
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
}
