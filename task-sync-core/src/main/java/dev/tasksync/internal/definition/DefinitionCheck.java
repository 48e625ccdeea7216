package dev.tasksync.internal.definition;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.InvalidDefinitionException;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskDefinition.StepDefinition;
import dev.tasksync.TaskSyncException;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.types.Fields;
import dev.tasksync.internal.types.ParsedSettings;
import dev.tasksync.internal.types.StepTypeRegistry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks a {@link TaskDefinition} as a whole before {@link DefinitionWriter#save} writes any of it. */
final class DefinitionCheck {
    private DefinitionCheck() {
    }

    /** Every problem is reported at once; returns each step's parsed settings by title. */
    static Map<String, ParsedSettings> validate(TaskDefinition definition, StepTypeRegistry registry) {
        List<String> problems = new ArrayList<>();
        for (Runnable check : List.<Runnable>of(() -> Fields.taskName(definition.name()),
                () -> Fields.taskStatus(definition.status()), () -> Fields.localPath(definition.localPath()))) {
            try {
                check.run();
            } catch (TaskSyncException e) {
                problems.add(e.getMessage());
            }
        }
        Map<String, ParsedSettings> parsed = new LinkedHashMap<>();
        Set<String> titles = new HashSet<>();
        definition.steps().forEach(s -> {
            try {
                Fields.stepTitle(s.title());
            } catch (TaskSyncException e) {
                problems.add(e.getMessage());
            }
            if (!titles.add(s.title())) {
                problems.add("two steps are titled '" + s.title() + "'; titles identify steps within a task");
            }
        });
        for (StepDefinition s : definition.steps()) {
            try {
                JsonNode document = Store.JSON.createObjectNode().set(s.settings().type(), s.value());
                ParsedSettings p = registry.parse(document);
                if (!p.dependsOn().isEmpty()) {
                    problems.add("step '" + s.title() + "': name dependencies with dependsOn(title), not depends_on ids");
                }
                if (!s.dependsOn().isEmpty() && StepTypeRegistry.objectForm(s.settings().type(), s.settings().toJson()).isEmpty()) {
                    problems.add("step '" + s.title() + "': settings of type " + s.settings().type()
                            + " are not an object, so it cannot depend on other steps");
                }
                parsed.put(s.title(), p);
            } catch (InvalidSettingsException e) {
                e.problems().forEach(pr -> problems.add("step '" + s.title() + "': " + pr));
            }
            for (String dep : s.dependsOn()) {
                if (!titles.contains(dep)) {
                    problems.add("step '" + s.title() + "' depends on '" + dep + "', which is not a step of this definition");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidDefinitionException(definition.name(), problems);
        }
        return parsed;
    }
}
