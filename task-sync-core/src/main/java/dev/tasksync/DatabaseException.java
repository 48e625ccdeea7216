package dev.tasksync;

/**
 * The database refused or failed a statement, or could not be reached: the database's own exception
 * (a {@link java.sql.SQLException}, usually) is the cause. Thrown wherever task-sync talks to its
 * database, in place of the data-access library's own exceptions.
 */
public class DatabaseException extends TaskSyncException {
    private final String sqlState;

    public DatabaseException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    /** The SQLSTATE the database gave (e.g. {@code 42P01} undefined table, {@code 57P01} admin shutdown), or null. */
    public String sqlState() {
        return sqlState;
    }
}
