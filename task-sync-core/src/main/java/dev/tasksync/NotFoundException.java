package dev.tasksync;

/** A task or step looked up by id or name does not exist. */
public class NotFoundException extends TaskSyncException {
    private final String kind;
    private final String key;

    public NotFoundException(String kind, Object key) {
        super("no " + kind + " " + (key instanceof String ? "named '" + key + "'" : "with id " + key));
        this.kind = kind;
        this.key = String.valueOf(key);
    }

    /** "task" or "step". */
    public String kind() {
        return kind;
    }

    public String key() {
        return key;
    }
}
