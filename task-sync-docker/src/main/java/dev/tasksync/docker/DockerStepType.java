package dev.tasksync.docker;

import dev.tasksync.spi.StepType;

/** What the Docker step types share: the engine they talk to (through {@link DockerOps}) and their settings' key. */
abstract class DockerStepType<S> implements StepType<S> {
    final DockerOps docker;
    private final String key;

    DockerStepType(DockerConnection connection, String key) {
        this.docker = new DockerOps(connection);
        this.key = key;
    }

    @Override
    public final String key() {
        return key;
    }
}
