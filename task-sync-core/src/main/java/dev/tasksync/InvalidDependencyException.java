package dev.tasksync;

/** A {@code depends_on} entry names a step that does not exist or belongs to another task. */
public class InvalidDependencyException extends TaskSyncException {
    private final String step;
    private final String dependency;

    public InvalidDependencyException(String step, String dependency, String reason) {
        super("step '" + step + "' depends on " + dependency + ", " + reason);
        this.step = step;
        this.dependency = dependency;
    }

    public String step() {
        return step;
    }

    public String dependency() {
        return dependency;
    }
}
