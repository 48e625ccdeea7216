package dev.tasksync.internal.watch;

import dev.tasksync.Plan;
import dev.tasksync.RunResult;
import dev.tasksync.Task;
import dev.tasksync.TaskSyncException;
import dev.tasksync.WatchOptions;
import dev.tasksync.internal.engine.Engine;
import dev.tasksync.internal.hashing.WatchedFiles;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.store.TaskRecords;
import dev.tasksync.internal.types.StepTypeRegistry;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Record1;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;

/**
 * One stored task as a {@link WatchLoop} sees it: the paths its steps watch (read from their settings each time,
 * so an edited definition is watched as edited), its local path, and a run or a look through the engine.
 */
public final class WatchedTask implements WatchLoop.Task {
    private final int taskId;
    private final WatchOptions options;
    private final DSLContext dsl;
    private final StepTypeRegistry registry;
    private final TaskRecords tasks;
    private final Engine engine;

    public WatchedTask(int taskId, WatchOptions options, DSLContext dsl, StepTypeRegistry registry, TaskRecords tasks,
                       Engine engine) {
        this.taskId = taskId;
        this.options = options;
        this.dsl = dsl;
        this.registry = registry;
        this.tasks = tasks;
        this.engine = engine;
    }

    /** Every path the task's steps watch, absolute (steps of types unknown here watch nothing). */
    @Override
    public List<Path> watchedPaths() {
        Path base = localPath();
        Set<Path> paths = new LinkedHashSet<>();
        // The settings only: a step's stored inputs and results can be a megabyte each (10,000 watched files).
        for (JSONB settings : dsl.select(STEPS.SETTINGS).from(STEPS).where(STEPS.TASK_ID.eq(taskId)).orderBy(STEPS.ID).fetch(Record1::value1)) {
            try {
                registry.parse(Store.parse(settings)).watchedFiles().forEach(w -> paths.add(base.resolve(w).normalize()));
            } catch (TaskSyncException | InvalidPathException unknownOrInvalid) {
                // runs and fails alone with its message; nothing of it to watch
            }
        }
        return List.copyOf(paths);
    }

    @Override
    public Path localPath() {
        Task task = tasks.get(taskId);
        return task.localPath() == null || task.localPath().isBlank()
                ? Path.of("").toAbsolutePath() : Path.of(task.localPath()).toAbsolutePath();
    }

    @Override
    public RunResult run(Predicate<Plan> proceed, UnaryOperator<WatchedFiles> files) {
        return engine.run(taskId, options.run(), proceed, files);
    }

    @Override
    public void look(UnaryOperator<WatchedFiles> files) {
        engine.plan(taskId, false, files);
    }
}
