package dev.tasksync.docker;

import com.github.dockerjava.api.model.Container;
import dev.tasksync.TaskSync;
import dev.tasksync.spi.StepType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Docker step types, for registering with an engine connection of your choice:
 *
 * <pre>{@code
 * DockerConnection docker = DockerConnection.of("tcp://build-box:2375");
 * TaskSync ts = TaskSync.builder().embedded().stepType(DockerStepTypes.all(docker)).build();
 * }</pre>
 *
 * Without that, ServiceLoader registers the same types ({@link DockerStepTypeProvider}) on the engine named by the
 * DOCKER_* environment, on a connection the TaskSync instance closes when it closes. A connection given here stays
 * the caller's: close it when done with it.
 */
public final class DockerStepTypes {
    /** Label on every container a Docker step creates: the task id. */
    public static final String LABEL_TASK = "dev.tasksync.task";
    /** Label on every container a Docker step creates: the step id. */
    public static final String LABEL_STEP = "dev.tasksync.step";
    /** Label on every container a Docker step creates: the attempt that created it. */
    public static final String LABEL_ATTEMPT = "dev.tasksync.attempt";
    /** Label on every container a Docker step creates: its store (database and schema), see {@code StepContext.storeId()}. */
    public static final String LABEL_STORE = "dev.tasksync.store";

    private DockerStepTypes() {
    }

    /**
     * docker_build, docker_run, docker_shell, docker_rubrics and docker_pull on {@code connection}, under the policy
     * of {@link DockerPolicy#fromEnvironment()} (permissive unless the environment restricts it).
     */
    public static StepType<?>[] all(DockerConnection connection) {
        return all(connection, DockerPolicy.fromEnvironment());
    }

    /** The Docker step types on {@code connection}, under {@code policy}. */
    public static StepType<?>[] all(DockerConnection connection, DockerPolicy policy) {
        return new StepType<?>[]{
                new DockerBuildStepType(connection, policy),
                new DockerRunStepType(connection, policy),
                new DockerShellStepType(connection),
                new DockerRubricsStepType(connection),
                new DockerPullStepType(connection)
        };
    }

    /** The type keys: docker_build, docker_run, docker_shell, docker_rubrics, docker_pull. */
    public static List<String> keys() {
        return List.of(DockerBuild.TYPE, DockerRun.TYPE, DockerShell.TYPE, DockerRubrics.TYPE, DockerPull.TYPE);
    }

    /**
     * Ids of the containers (running or not) that Docker steps of a task of {@code taskSync}'s store created and that
     * still exist; pass a step id to narrow it to one step, or null for the whole task. Containers of other stores
     * (another database or schema whose task has the same id) are left out.
     */
    public static List<String> containers(DockerConnection connection, TaskSync taskSync, int taskId, Integer stepId) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_TASK, String.valueOf(taskId));
        if (stepId != null) {
            labels.put(LABEL_STEP, String.valueOf(stepId));
        }
        labels.put(LABEL_STORE, taskSync.storeId());
        return new DockerOps(connection).containersLabelled(labels).stream().map(Container::getId).toList();
    }

    /** Removes every container that Docker steps of the task (of {@code taskSync}'s store) left, e.g. detached ones; returns how many. */
    public static int removeContainers(DockerConnection connection, TaskSync taskSync, int taskId) {
        DockerOps ops = new DockerOps(connection);
        List<String> ids = containers(connection, taskSync, taskId, null);
        ids.forEach(ops::removeQuietly);
        return ids.size();
    }
}
