package dev.tasksync.internal.engine;

import dev.tasksync.StepStatus;
import org.jooq.DSLContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Completed steps whose output (an image, a container) is pinned to a Docker engine no live worker has been on for
 * {@code rebuildAfter}, while a step that needs it waits: they are set to run again (new, fingerprint cleared), and
 * whichever worker claims them makes the output anew on its own engine, the path a deleted image takes. Run by idle
 * workers; the row lock of an update keeps two of them from doing it twice.
 */
final class UnreachableOutputs {
    private final DSLContext dsl;
    private final ClaimStatements.Tables tables;

    UnreachableOutputs(DSLContext dsl, ClaimStatements.Tables tables) {
        this.dsl = dsl;
        this.tables = tables;
    }

    /** Sets such steps to run again; returns their ids. */
    List<Integer> release(Duration rebuildAfter) {
        String completed = StepStatus.COMPLETED.dbValue();
        String fresh = StepStatus.NEW.dbValue();
        List<Integer> ids = new ArrayList<>();
        dsl.resultQuery("UPDATE " + tables.steps() + " u SET status = '" + fresh + "', fingerprint = NULL, run_after = NULL,"
                        + " results = jsonb_set(u.results - 'pinned', '{unreachable}', to_jsonb('its output on ' || (u.results -> 'pinned')::text"
                        + " || ' was unreachable: no live worker there'::text))"
                        + " WHERE u.status = '" + completed + "' AND u.results -> 'pinned' IS NOT NULL"
                        + " AND u.finished_at < now() - ? * interval '1 millisecond'"
                        + " AND EXISTS (SELECT 1 FROM " + tables.dependencies() + " d JOIN " + tables.steps() + " c ON c.id = d.step_id"
                        + " WHERE d.depends_on_id = u.id AND c.status = '" + fresh + "' AND c.inputs IS NOT NULL)"
                        + " AND NOT EXISTS (SELECT 1 FROM " + tables.workers() + " w WHERE w.facts @> (u.results -> 'pinned') AND ("
                        + WorkerRegistry.live("w", tables.leaseOwners())
                        + " OR coalesce(w.stopped_at, w.heartbeat_at) > now() - ? * interval '1 millisecond'))"
                        + " RETURNING u.id", rebuildAfter.toMillis(), rebuildAfter.toMillis())
                .fetch().forEach(r -> ids.add(r.get(0, Integer.class)));
        return ids;
    }
}
