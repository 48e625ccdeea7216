package dev.tasksync.embedded;

/**
 * The embedded PostgreSQL could not be started, stopped or reached; the message says why (and names the
 * server's log where PostgreSQL wrote more). task-sync-core reports it as a {@code TaskSyncException}.
 */
public class EmbeddedServerException extends RuntimeException {
    public EmbeddedServerException(String message) {
        super(message);
    }

    public EmbeddedServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
