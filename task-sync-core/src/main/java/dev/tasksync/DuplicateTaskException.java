package dev.tasksync;

/** A task with this name already exists (task names are unique). */
public class DuplicateTaskException extends TaskSyncException {
    private final String name;

    public DuplicateTaskException(String name) {
        super("a task named '" + name + "' already exists; choose another name or save a definition to update it");
        this.name = name;
    }

    public String name() {
        return name;
    }
}
