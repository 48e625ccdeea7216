package dev.tasksync.internal.store;

import dev.tasksync.NotFoundException;
import dev.tasksync.Task;
import dev.tasksync.TaskStatus;
import dev.tasksync.TaskSyncException;
import dev.tasksync.internal.types.Fields;
import dev.tasksync.internal.types.RunsOn;
import dev.tasksync.internal.types.SettingsJson;
import org.jooq.DSLContext;

import java.util.List;
import java.util.Optional;

/**
 * Tasks as rows: creates, finds, updates and deletes them, each field checked before anything is written.
 * {@code TaskSync} delegates its task methods here, so the facade holds no SQL and no field rules.
 */
public final class TaskRecords {
    private final DSLContext dsl;

    public TaskRecords(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Creates a task; a name already taken is refused (DuplicateTaskException). */
    public Task create(String name, String status, String localPath) {
        String path = checked(name, status, localPath);
        return dsl.transactionResult(tx -> insert(tx.dsl(), name, status, path));
    }

    /** As {@link #create(String, String, String)}, with the task's default {@code runs_on}, checked first. */
    public Task create(String name, String status, String localPath, List<String> runsOn) {
        String path = checked(name, status, localPath);
        List<String> labels = RunsOn.checkTaskDefault(runsOn, "runs_on");
        return dsl.transactionResult(tx -> {
            Task t = insert(tx.dsl(), name, status, path);
            Store.setTaskRunsOn(tx.dsl(), t.id(), labels);
            return t;
        });
    }

    /** Checks a new task's fields; returns its local path as stored (absolute: "." is where this process runs). */
    private static String checked(String name, String status, String localPath) {
        Fields.taskName(name);
        Fields.taskStatus(status);
        return Fields.localPath(localPath);
    }

    private static Task insert(DSLContext tx, String name, String status, String path) {
        return Store.insertTask(tx, name, status == null ? TaskStatus.NEW.dbValue() : status, path);
    }

    public void setRunsOn(int taskId, List<String> runsOn) {
        List<String> labels = runsOn == null ? null : RunsOn.checkTaskDefault(runsOn, "runs_on");
        dsl.transaction(tx -> {
            Store.task(tx.dsl(), taskId);
            Store.setTaskRunsOn(tx.dsl(), taskId, labels);
        });
    }

    public List<String> runsOn(int taskId) {
        return Store.taskRunsOn(dsl, taskId);
    }

    public Task update(int id, String status, String localPath) {
        Fields.taskStatus(status);
        String path = Fields.localPath(localPath);
        return dsl.transactionResult(tx -> Store.updateTask(tx.dsl(), id, status, path));
    }

    public Task get(int id) {
        return Store.task(dsl, id);
    }

    public Optional<Task> find(String name) {
        if (name == null || name.length() > Fields.MAX_NAME_LENGTH || SettingsJson.textProblem(name) != null) {
            return Optional.empty(); // no task can have this name (and PostgreSQL could not even compare it)
        }
        return Store.taskByName(dsl, name);
    }

    /** A task by id (all digits) or by name. */
    public Task get(String idOrName) {
        if (idOrName.matches("\\d+")) {
            return get(id("task", idOrName));
        }
        return find(idOrName).orElseThrow(() -> new NotFoundException("task", idOrName));
    }

    /** A task or step id given as text: digits within the range of ids. */
    private static int id(String what, String text) {
        try {
            int id = Integer.parseInt(text);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TaskSyncException("'" + text + "' is not a valid " + what + " id: ids are whole numbers from 1 to "
                + Integer.MAX_VALUE);
    }

    public List<Task> all() {
        return Store.tasks(dsl);
    }

    public void delete(int id) {
        dsl.transaction(tx -> Store.deleteTask(tx.dsl(), id));
    }
}
