package dev.tasksync;

import java.util.List;

/**
 * One step waits for another of its task.
 *
 * @param stepId      the step that waits
 * @param dependsOnId the step it waits for
 * @param implicit    false when {@code depends_on} names it; true when the step uses what the other makes
 * @param resources   for an implicit dependency, what the step uses that the other makes (such as
 *                    {@code image:my-app:1.0}, {@code container:web}); empty for an explicit one
 */
public record Dependency(int stepId, int dependsOnId, boolean implicit, List<String> resources) {
    public Dependency {
        resources = List.copyOf(resources);
    }
}
