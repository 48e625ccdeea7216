package dev.tasksync;

import java.util.List;

/** A task definition was checked as a whole and found wrong; every problem is listed. Nothing was written. */
public class InvalidDefinitionException extends TaskSyncException {
    private final List<String> problems;

    public InvalidDefinitionException(String task, List<String> problems) {
        super("task definition '" + task + "' is invalid:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
