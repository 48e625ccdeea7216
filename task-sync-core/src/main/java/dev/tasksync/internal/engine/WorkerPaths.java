package dev.tasksync.internal.engine;

import org.jooq.DSLContext;
import org.jooq.Query;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.InvalidPathException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A worker's rows in {@code worker_paths}: which tasks' {@code local_path}s exist on its machine. Claims take a
 * task's steps only where its row says present ({@link ClaimStatements}), so a worker looks at the paths of new tasks
 * before it claims them: each time it finds nothing to claim, the tasks created since it last looked (by id, one index
 * range), and at most once per poll interval every task's path it does not have, which also catches a task whose id
 * committed out of order, an edited local_path, and a path that appeared since.
 */
final class WorkerPaths {
    private final DSLContext dsl;
    private final ClaimStatements.Tables tables;
    private final String workerId;
    /** What this worker last wrote per path; a path is written again only when that changes. */
    private final Map<String, Boolean> known = new HashMap<>();
    private int lastTaskId;

    WorkerPaths(DSLContext dsl, ClaimStatements.Tables tables, String workerId) {
        this.dsl = dsl;
        this.tables = tables;
        this.workerId = workerId;
    }

    /** Forgets what an earlier run under this worker id wrote. */
    void clear() {
        dsl.execute("DELETE FROM " + tables.workerPaths() + " WHERE worker_id = ?", workerId);
        known.clear();
        lastTaskId = 0;
    }

    /** The paths of tasks created since the last look; true when one became present (a claim may now find steps). */
    boolean lookAtNewTasks() {
        List<String> paths = new ArrayList<>();
        int[] max = {lastTaskId};
        dsl.resultQuery("SELECT id, coalesce(local_path, '') AS path FROM " + tables.tasks() + " WHERE id > ? ORDER BY id", lastTaskId)
                .fetch().forEach(r -> {
                    max[0] = Math.max(max[0], r.get("id", Integer.class));
                    paths.add(r.get("path", String.class));
                });
        lastTaskId = max[0];
        return check(paths);
    }

    /** Every task's path this worker has not found present; true when one became present. */
    boolean lookAtAll() {
        Integer max = dsl.resultQuery("SELECT max(id) FROM " + tables.tasks()).fetchOne(0, Integer.class);
        List<String> paths = dsl.resultQuery("SELECT DISTINCT coalesce(t.local_path, '') AS path FROM " + tables.tasks() + " t"
                        + " WHERE NOT EXISTS (SELECT 1 FROM " + tables.workerPaths() + " wp WHERE wp.worker_id = ?"
                        + " AND wp.path = coalesce(t.local_path, '') AND wp.present)", workerId)
                .fetch().getValues("path", String.class);
        lastTaskId = Math.max(lastTaskId, max == null ? 0 : max);
        return check(paths);
    }

    private boolean check(List<String> paths) {
        List<Query> writes = new ArrayList<>();
        boolean appeared = false;
        for (String path : paths) {
            boolean present = exists(path);
            Boolean before = known.put(path, present);
            if (before == null || before != present) {
                appeared |= present;
                writes.add(dsl.query("INSERT INTO " + tables.workerPaths() + " (worker_id, path, present, checked_at) VALUES (?, ?, ?, now())"
                        + " ON CONFLICT (worker_id, path) DO UPDATE SET present = EXCLUDED.present, checked_at = EXCLUDED.checked_at",
                        workerId, path, present));
            }
        }
        if (!writes.isEmpty()) {
            dsl.batch(writes).execute();
        }
        return appeared;
    }

    /** As steps resolve it: none is the working directory (which exists); relative paths against it. */
    static boolean exists(String localPath) {
        if (localPath.isBlank()) {
            return true;
        }
        try {
            return Files.exists(Path.of(localPath).toAbsolutePath());
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
