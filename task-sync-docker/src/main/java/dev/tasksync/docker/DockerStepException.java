package dev.tasksync.docker;

import dev.tasksync.TaskSyncException;

/** A Docker operation failed; the message names the image, container or engine address involved. */
public class DockerStepException extends TaskSyncException {
    public DockerStepException(String message) {
        super(message);
    }

    public DockerStepException(String message, Throwable cause) {
        super(message, cause);
    }
}
