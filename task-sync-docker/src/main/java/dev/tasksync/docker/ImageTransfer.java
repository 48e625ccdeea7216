package dev.tasksync.docker;

import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.api.model.ResponseItem;
import dev.tasksync.spi.StepContext;

import java.io.Closeable;
import java.util.function.Function;

/**
 * Pulling an image from a registry and pushing one to it, with the engine's progress lines in the step's log: what
 * {@code docker_pull} does, {@code docker_build} with {@code push}, and a step on another engine that uses an image an
 * upstream build pushed ({@link StepImage#pullIfPushed}).
 */
final class ImageTransfer {
    private ImageTransfer() {
    }

    /** Pulls {@code ref} (a tag, or name@digest); null when it worked, else the failure, which names the engine. */
    static String pull(DockerOps docker, StepContext<?> context, String ref) {
        String[] repoTag = DockerPullStepType.split(ref);
        return ImageTransfer.<PullResponseItem>transfer(docker, context, "pulling image '" + ref + "'", callback -> {
            var cmd = docker.client().pullImageCmd(repoTag[0]);
            if (repoTag[1] != null) {
                cmd.withTag(repoTag[1]);
            }
            return cmd.exec(callback);
        });
    }

    /** Pushes {@code ref} (repository:tag, the registry in its name); null when it worked, else the failure. */
    static String push(DockerOps docker, StepContext<?> context, String ref) {
        String[] repoTag = ImageReference.repositoryAndTag(ref);
        return ImageTransfer.<PushResponseItem>transfer(docker, context, "pushing image '" + ref + "'",
                callback -> docker.client().pushImageCmd(repoTag[0]).withTag(repoTag[1]).exec(callback));
    }

    private static <I extends ResponseItem> String transfer(DockerOps docker, StepContext<?> context, String what,
                                                           Function<EngineCallback<I>, Closeable> start) {
        EngineCallback<I> callback = new EngineCallback<>() {
            @Override
            public void onNext(I item) {
                if (item.getStatus() != null && item.getProgressDetail() == null) {
                    context.log().line(item.getStatus() + (item.getId() == null ? "" : " " + item.getId()));
                }
                error(item);
            }
        };
        docker.call(what, () -> start.apply(callback));
        return callback.await(docker, context, what);
    }
}
