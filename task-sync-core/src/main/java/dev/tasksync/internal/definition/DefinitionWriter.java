package dev.tasksync.internal.definition;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.Dependency;
import dev.tasksync.DependencyCycleException;
import dev.tasksync.InvalidDefinitionException;
import dev.tasksync.InvalidDependencyException;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.NotFoundException;
import dev.tasksync.Step;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskDefinition.StepDefinition;
import dev.tasksync.TaskSyncException;
import dev.tasksync.internal.graph.ImplicitDependencies;
import dev.tasksync.internal.graph.StepGraph;
import dev.tasksync.internal.graph.UpstreamNeeds;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.types.Fields;
import dev.tasksync.internal.types.ParsedSettings;
import dev.tasksync.internal.types.StepTypeRegistry;
import dev.tasksync.spi.StepResources;
import dev.tasksync.spi.UpstreamNeed;
import org.jooq.DSLContext;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
        Map<String, ParsedSettings> parsed = validate(definition);
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
            List<UpstreamNeeds.Unmet<Integer>> unmet = storeImplicitDependencies(t, task, byId, null);
            if (!unmet.isEmpty()) {
                Map<Integer, String> titleOf = new HashMap<>();
                ids.forEach((title, id) -> titleOf.put(id, title));
                throw new InvalidDefinitionException(definition.name(), unmet.stream()
                        .map(u -> "step '" + titleOf.get(u.step()) + "': " + u.path() + ": " + u.message()).toList());
            }
            return Store.task(t, task.id());
        });
    }

    /** Checks a definition as a whole; every problem is reported at once. */
    private Map<String, ParsedSettings> validate(TaskDefinition definition) {
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
            checkTitleIsFree(t, task, title, null);
            checkDependencies(t, task, title, null, parsed.dependsOn());
            Step step = Store.insertStep(t, taskId, title, parsed.document(), parsed.dependsOn());
            if (!parsed.produces().isEmpty() || !parsed.consumes().isEmpty() || parsed.upstreamNeed().isPresent()) {
                // a step that makes and uses nothing changes no one's implicit dependencies; a new step takes
                // nothing away from what is upstream of the others, so only its own need is checked
                refuseUnmet(storeImplicitDependencies(t, task, Map.of(step.id(), parsed), Set.of(step.id())));
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
                checkTitleIsFree(t, task, newTitle, stepId);
            }
            checkDependencies(t, task, newTitle, stepId, parsed.dependsOn());
            // what upstream of a step can change only for this step and those that waited for it before the edit
            Set<Integer> affected = downstreamOf(t, task.id(), stepId);
            Step step = Store.updateStep(t, stepId, newTitle, parsed.document(), parsed.dependsOn());
            List<UpstreamNeeds.Unmet<Integer>> unmet = storeImplicitDependencies(t, task, Map.of(stepId, parsed), affected);
            if (!unmet.isEmpty()) {
                Map<Integer, String> titles = new HashMap<>();
                Store.steps(t, task.id()).forEach(s -> titles.put(s.id(), s.title()));
                refuseUnmet(unmet.stream().map(u -> u.step() == stepId ? u : new UpstreamNeeds.Unmet<>(u.step(), u.path(),
                        "in step " + u.step() + " '" + titles.get(u.step()) + "', which waits for this one: " + u.message()))
                        .toList());
            }
            return step;
        });
    }

    /** Titles identify steps within a task (saving a definition matches by title). */
    private static void checkTitleIsFree(DSLContext t, Task task, String title, Integer stepId) {
        for (Step other : Store.steps(t, task.id())) {
            if (other.title().equals(title) && (stepId == null || other.id() != stepId)) {
                throw new TaskSyncException("the step title '" + title + "' is taken: task " + task.id() + " '" + task.name()
                        + "' already has step " + other.id() + " with it; titles identify steps within a task");
            }
        }
    }

    /**
     * Derives the task's implicit dependencies from its steps' settings (a step waits for the steps of its task
     * that make the image or container it uses), refuses a cycle they close, and stores them beside depends_on
     * in the same transaction, so that claims wait for them. {@code known}: settings parsed already, by step id;
     * a stored step whose type this instance does not know makes and uses nothing.
     */
    private List<UpstreamNeeds.Unmet<Integer>> storeImplicitDependencies(DSLContext t, Task task,
                                                                          Map<Integer, ParsedSettings> known,
                                                                          Set<Integer> check) {
        List<Step> steps = Store.steps(t, task.id());
        Map<Integer, List<Integer>> explicit = new LinkedHashMap<>();
        Map<Integer, ParsedSettings> parsed = new HashMap<>();
        Map<Integer, String> names = new HashMap<>();
        Map<Integer, String> types = new HashMap<>();
        for (Step s : steps) {
            explicit.put(s.id(), s.dependsOn());
            names.put(s.id(), s.id() + " '" + s.title() + "'");
            types.put(s.id(), s.type());
            ParsedSettings p = known.get(s.id());
            if (p == null) {
                try {
                    p = registry.parse(s.settings());
                } catch (TaskSyncException unknownHere) {
                    p = null;
                }
            }
            parsed.put(s.id(), p);
        }
        ImplicitDependencies<Integer> implicit = ImplicitDependencies.of(explicit, parsed);
        if (!implicit.isEmpty()) {
            try {
                StepGraph.of(implicit.combined(explicit), names::get);
            } catch (DependencyCycleException e) {
                Set<String> onCycle = new HashSet<>(e.steps());
                List<String> via = new ArrayList<>();
                for (var edge : implicit.edges()) {
                    if (onCycle.contains(names.get(edge.step())) && onCycle.contains(names.get(edge.dependsOn()))) {
                        via.add(names.get(edge.step()) + " waits implicitly for " + names.get(edge.dependsOn()) + ", which makes the "
                                + String.join(", ", edge.resources().stream().map(StepResources::describe).toList())
                                + " it uses");
                    }
                }
                throw via.isEmpty() ? e : new DependencyCycleException(e.steps(), String.join("; ", via));
            }
        }
        Set<List<Integer>> edges = new HashSet<>();
        implicit.edges().forEach(edge -> edges.add(List.of(edge.step(), edge.dependsOn())));
        Store.replaceImplicitDependencies(t, task.id(), edges);
        Map<Integer, UpstreamNeed> needs = new LinkedHashMap<>();
        parsed.forEach((id, p) -> {
            if (p != null && (check == null || check.contains(id))) {
                p.upstreamNeed().ifPresent(n -> needs.put(id, n));
            }
        });
        return needs.isEmpty() ? List.of() : UpstreamNeeds.check(implicit.combined(explicit), types, needs);
    }

    /** The step and every step that waits for it, directly or not, explicitly or implicitly, as stored now. */
    private static Set<Integer> downstreamOf(DSLContext t, int taskId, int stepId) {
        Map<Integer, List<Integer>> waiters = new HashMap<>();
        for (Step s : Store.steps(t, taskId)) {
            s.dependsOn().forEach(d -> waiters.computeIfAbsent(d, k -> new ArrayList<>()).add(s.id()));
        }
        Store.implicitDependencies(t, taskId).forEach(e -> waiters.computeIfAbsent(e.get(1), k -> new ArrayList<>()).add(e.get(0)));
        Set<Integer> seen = new HashSet<>();
        Deque<Integer> todo = new ArrayDeque<>(List.of(stepId));
        while (!todo.isEmpty()) {
            int id = todo.pop();
            if (seen.add(id)) {
                todo.addAll(waiters.getOrDefault(id, List.of()));
            }
        }
        return seen;
    }

    /** A step that takes from upstream what nothing upstream of it provides is refused (the transaction rolls back). */
    private static void refuseUnmet(List<UpstreamNeeds.Unmet<Integer>> unmet) {
        if (!unmet.isEmpty()) {
            throw new InvalidSettingsException(unmet.stream()
                    .map(u -> new InvalidSettingsException.Problem(u.path(), u.message())).toList());
        }
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
        Map<Integer, ParsedSettings> parsed = new HashMap<>();
        for (Step s : steps) {
            try {
                parsed.put(s.id(), registry.parse(s.settings()));
            } catch (TaskSyncException unknownHere) {
                parsed.put(s.id(), null);
            }
        }
        return ImplicitDependencies.of(explicit, parsed);
    }

    /** Each id must be a step of the task; with the edited step's new dependencies the task must stay acyclic. */
    private static void checkDependencies(DSLContext t, Task task, String title, Integer stepId, List<Integer> dependsOn) {
        if (dependsOn.isEmpty()) {
            return;
        }
        List<Step> steps = Store.steps(t, task.id());
        Map<Integer, List<Integer>> graph = new LinkedHashMap<>();
        Map<Integer, String> titles = new HashMap<>();
        steps.forEach(s -> {
            graph.put(s.id(), s.dependsOn());
            titles.put(s.id(), s.title());
        });
        for (int dep : dependsOn) {
            if (stepId != null && dep == stepId) {
                throw new DependencyCycleException(List.of(stepId + " '" + title + "'"));
            }
            if (!graph.containsKey(dep)) {
                Optional<Step> other = Optional.empty();
                try {
                    other = Optional.of(Store.step(t, dep));
                } catch (NotFoundException ignored) {
                    // reported below
                }
                throw new InvalidDependencyException(title, "step " + dep, other
                        .map(o -> "which belongs to another task (" + o.taskId() + "); depends_on names steps of the same task")
                        .orElse("which does not exist"));
            }
        }
        if (stepId != null) {
            graph.put(stepId, dependsOn);
            StepGraph.of(graph, id -> id + " '" + (id.equals(stepId) ? title : titles.get(id)) + "'");
        }
    }

    /** Deletes a step; refused while other steps depend on it. */
    public void deleteStep(int id) {
        dsl.transaction(tx -> {
            DSLContext t = tx.dsl();
            Step step = Store.step(t, id);
            Task task = Store.lockTask(t, step.taskId());
            // a step that waited for this one only implicitly may have taken its image from it
            Set<Integer> affected = downstreamOf(t, task.id(), id);
            affected.remove(id);
            Store.deleteStep(t, id);
            List<UpstreamNeeds.Unmet<Integer>> unmet = affected.isEmpty() ? List.of()
                    : storeImplicitDependencies(t, task, Map.of(), affected);
            if (!unmet.isEmpty()) {
                Map<Integer, String> titles = new HashMap<>();
                Store.steps(t, task.id()).forEach(s -> titles.put(s.id(), s.title()));
                refuseUnmet(unmet.stream().map(u -> new UpstreamNeeds.Unmet<>(u.step(), u.path(), "in step " + u.step()
                        + " '" + titles.get(u.step()) + "', which waits for step " + id + " '" + step.title() + "': "
                        + u.message())).toList());
            }
        });
    }
}
