package dev.tasksync.internal.definition;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.Dependency;
import dev.tasksync.InvalidDefinitionException;
import dev.tasksync.Step;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskDefinition.StepDefinition;
import dev.tasksync.internal.graph.ImplicitDependencies;
import dev.tasksync.internal.graph.StepGraph;
import dev.tasksync.internal.graph.UpstreamNeeds;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.types.Fields;
import dev.tasksync.internal.types.ParsedSettings;
import dev.tasksync.internal.types.StepTypeRegistry;
import org.jooq.DSLContext;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes definitions: saves a {@link TaskDefinition} as a whole, creates, edits and deletes single steps,
 * each checked first (settings, titles, dependencies, cycles, what a step takes from upstream) and written
 * in one transaction with the implicit dependencies it derives. On any problem nothing is written.
 * {@code TaskSync} delegates its definition methods here.
 */
public final class DefinitionWriter {
    private final DSLContext dsl;
    private final StepTypeRegistry registry;

    public DefinitionWriter(DSLContext dsl, StepTypeRegistry registry) {
        this.dsl = dsl;
        this.registry = registry;
    }

    /**
     * Saves a definition: creates the task or updates the one of the same name, and each step by
     * title within it. Steps no longer in the definition are deleted. The definition is checked as
     * a whole first; on any problem nothing is written.
     */
    public Task save(TaskDefinition definition) {
        Map<String, ParsedSettings> parsed = DefinitionCheck.validate(definition, registry);
        String localPath = Fields.localPath(definition.localPath()); // stored absolute, like createTask's
        Map<String, List<String>> deps = new LinkedHashMap<>();
        definition.steps().forEach(s -> deps.put(s.title(), s.dependsOn()));
        Map<String, Integer> position = new HashMap<>();
        deps.keySet().forEach(t -> position.put(t, position.size()));
        // Dependencies first, otherwise definition order, so ids follow the definition where they can.
        List<String> order = StepGraph.of(deps, t -> "'" + t + "'")
                .topologicalOrder(Comparator.comparing(position::get));
        Map<String, StepDefinition> byTitle = new HashMap<>();
        definition.steps().forEach(s -> byTitle.put(s.title(), s));

        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            Task task = Store.taskByName(t, definition.name())
                    .map(existing -> Store.updateTask(t, existing.id(),
                            definition.status() != null ? definition.status() : existing.status(),
                            localPath))
                    .orElseGet(() -> Store.insertTask(t, definition.name(), definition.status(), localPath));
            Store.lockTask(t, task.id());
            Map<String, Step> existing = new HashMap<>();
            for (Step s : Store.steps(t, task.id())) {
                if (existing.put(s.title(), s) != null) {
                    throw new InvalidDefinitionException(definition.name(), List.of("task already holds two steps titled '"
                            + s.title() + "'; rename or delete one before saving by title"));
                }
            }
            Map<String, Integer> ids = new HashMap<>();
            for (String title : order) {
                ParsedSettings p = parsed.get(title);
                List<Integer> depIds = byTitle.get(title).dependsOn().stream().map(ids::get).toList();
                JsonNode document = StepTypeRegistry.withDependsOn(p.type(), p.document().get(p.type()), depIds);
                Step current = existing.remove(title);
                if (current == null) {
                    ids.put(title, Store.insertStep(t, task.id(), title, document, depIds).id());
                } else {
                    ids.put(title, current.id());
                    if (!current.settings().equals(document)) {
                        Store.updateStep(t, current.id(), title, document, depIds);
                    }
                }
            }
            if (!existing.isEmpty()) {
                Set<Integer> removed = new HashSet<>();
                existing.values().forEach(s -> removed.add(s.id()));
                for (int id : removed) {
                    Store.replaceDependencies(t, id, List.of());
                }
                for (int id : removed) {
                    Store.deleteStep(t, id);
                }
            }
            Map<Integer, ParsedSettings> byId = new HashMap<>();
            ids.forEach((title, id) -> byId.put(id, parsed.get(title)));
            List<UpstreamNeeds.Unmet<Integer>> unmet = ImplicitEdges.store(registry, t, task, byId, null);
            if (!unmet.isEmpty()) {
                Map<Integer, String> titleOf = new HashMap<>();
                ids.forEach((title, id) -> titleOf.put(id, title));
                throw new InvalidDefinitionException(definition.name(), unmet.stream()
                        .map(u -> "step '" + titleOf.get(u.step()) + "': " + u.path() + ": " + u.message()).toList());
            }
            return Store.task(t, task.id());
        });
    }

    /**
     * Creates a step from the specification's JSON, e.g. {@code {"file_exists": ["main.go"]}}.
     * The settings are checked (type, fields, depends_on ids of the same task) before anything is written.
     */
    public Step createStep(int taskId, String title, String settingsJson) {
        Fields.stepTitle(title);
        ParsedSettings parsed = registry.parse(settingsJson);
        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            Task task = Store.lockTask(t, taskId);
            StepEditChecks.checkTitleIsFree(t, task, title, null);
            StepEditChecks.checkDependencies(t, task, title, null, parsed.dependsOn());
            Step step = Store.insertStep(t, taskId, title, parsed.document(), parsed.dependsOn());
            if (!parsed.produces().isEmpty() || !parsed.consumes().isEmpty() || parsed.upstreamNeed().isPresent()) {
                // a step that makes and uses nothing changes no one's implicit dependencies; a new step takes
                // nothing away from what is upstream of the others, so only its own need is checked
                StepEditChecks.refuseUnmet(ImplicitEdges.store(registry, t, task, Map.of(step.id(), parsed), Set.of(step.id())));
            }
            return step;
        });
    }

    /** Replaces a step's settings (and optionally its title), checked like {@link #createStep}. */
    public Step updateStep(int stepId, String title, String settingsJson) {
        if (title != null) {
            Fields.stepTitle(title);
        }
        ParsedSettings parsed = registry.parse(settingsJson);
        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            Step current = Store.step(t, stepId);
            Task task = Store.lockTask(t, current.taskId());
            String newTitle = title == null ? current.title() : title;
            if (!newTitle.equals(current.title())) { // steps stored with one title before titles were unique stay editable
                StepEditChecks.checkTitleIsFree(t, task, newTitle, stepId);
            }
            StepEditChecks.checkDependencies(t, task, newTitle, stepId, parsed.dependsOn());
            // what upstream of a step can change only for this step and those that waited for it before the edit
            Set<Integer> affected = StepEditChecks.downstreamOf(t, task.id(), stepId);
            Step step = Store.updateStep(t, stepId, newTitle, parsed.document(), parsed.dependsOn());
            List<UpstreamNeeds.Unmet<Integer>> unmet = ImplicitEdges.store(registry, t, task, Map.of(stepId, parsed), affected);
            if (!unmet.isEmpty()) {
                Map<Integer, String> titles = new HashMap<>();
                Store.steps(t, task.id()).forEach(s -> titles.put(s.id(), s.title()));
                StepEditChecks.refuseUnmet(unmet.stream().map(u -> u.step() == stepId ? u : new UpstreamNeeds.Unmet<>(u.step(), u.path(),
                        "in step " + u.step() + " '" + titles.get(u.step()) + "', which waits for this one: " + u.message()))
                        .toList());
            }
            return step;
        });
    }

    /**
     * Every dependency of the task's steps: each step's {@code depends_on} (explicit), then the steps it waits for
     * because they make an image or container it uses (implicit), in step order.
     */
    public List<Dependency> dependencies(int taskId) {
        Store.task(dsl, taskId);
        List<Step> steps = Store.steps(dsl, taskId);
        Map<Integer, List<Integer>> explicit = new LinkedHashMap<>();
        steps.forEach(s -> explicit.put(s.id(), s.dependsOn()));
        ImplicitDependencies<Integer> implicit = implicitDependencies(steps, explicit);
        List<Dependency> all = new ArrayList<>();
        for (Step s : steps) {
            s.dependsOn().forEach(d -> all.add(new Dependency(s.id(), d, false, List.of())));
            implicit.of(s.id()).forEach(e -> all.add(new Dependency(s.id(), e.dependsOn(), true, e.resources())));
        }
        return all;
    }

    /** The implicit edges of stored steps, as the engine derives them (types unknown here make and use nothing). */
    public ImplicitDependencies<Integer> implicitDependencies(List<Step> steps, Map<Integer, List<Integer>> explicit) {
        return ImplicitEdges.of(registry, steps, explicit);
    }

    /** Deletes a step; refused while other steps depend on it. */
    public void deleteStep(int id) {
        dsl.transaction(tx -> {
            DSLContext t = tx.dsl();
            Step step = Store.step(t, id);
            Task task = Store.lockTask(t, step.taskId());
            // a step that waited for this one only implicitly may have taken its image from it
            Set<Integer> affected = StepEditChecks.downstreamOf(t, task.id(), id);
            affected.remove(id);
            Store.deleteStep(t, id);
            List<UpstreamNeeds.Unmet<Integer>> unmet = affected.isEmpty() ? List.of()
                    : ImplicitEdges.store(registry, t, task, Map.of(), affected);
            if (!unmet.isEmpty()) {
                Map<Integer, String> titles = new HashMap<>();
                Store.steps(t, task.id()).forEach(s -> titles.put(s.id(), s.title()));
                StepEditChecks.refuseUnmet(unmet.stream().map(u -> new UpstreamNeeds.Unmet<>(u.step(), u.path(), "in step " + u.step()
                        + " '" + titles.get(u.step()) + "', which waits for step " + id + " '" + step.title() + "': "
                        + u.message())).toList());
            }
        });
    }
}
