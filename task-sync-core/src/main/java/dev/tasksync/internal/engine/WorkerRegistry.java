package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.RegisteredWorker;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.io.IOException;

/**
 * The {@code workers} table: each worker's row, written when it starts, renewed as it runs, and marked stopped
 * when it stops cleanly. A worker is live while it is not stopped, its row has not expired and its database
 * session ({@link LeaseOwners}) did not end (a killed worker is seen as gone at once). Failures to write are
 * logged: the table tells users and {@code plan} who is there, claims never read it.
 */
public final class WorkerRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerRegistry.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Rows of workers stopped (or expired) longer ago than this are removed when a worker registers. */
    private static final String KEEP_GONE = "7 days";

    private final DSLContext dsl;
    private final String workers;
    private final String leaseOwners;
    private final String workerPaths;

    WorkerRegistry(DSLContext dsl, ClaimStatements.Tables tables) {
        this.dsl = dsl;
        this.workerPaths = tables.workerPaths();
        this.workers = tables.workers();
        this.leaseOwners = tables.leaseOwners();
    }

    /** The registry of the engine's store. */
    public static WorkerRegistry on(Engine engine) {
        return new WorkerRegistry(engine.dsl(), engine.tables());
    }

    /** SQL: true when the {@code workers} row {@code w} is a live worker. */
    static String live(String w, String leaseOwners) {
        return "(" + w + ".stopped_at IS NULL AND " + w + ".expires_at > now() AND NOT EXISTS (SELECT 1 FROM " + leaseOwners
                + " o WHERE o.owner = " + w + ".id AND " + LeaseOwners.sessionGone() + "))";
    }

    void register(String id, Placement placement, Duration expiresAfter) {
        try {
            dsl.execute("DELETE FROM " + workers + " WHERE coalesce(stopped_at, expires_at) < now() - interval '" + KEEP_GONE + "'");
            // acr16: what workers that stopped or expired found on their machines is of no use to claims any more
            dsl.execute("DELETE FROM " + workerPaths + " wp WHERE NOT EXISTS (SELECT 1 FROM " + workers + " w WHERE w.id = wp.worker_id"
                    + " AND w.stopped_at IS NULL AND w.expires_at > now())");
            dsl.execute("INSERT INTO " + workers + " (id, host, labels, docker_engine, facts, started_at, heartbeat_at, expires_at)"
                            + " VALUES (?, ?, ?::jsonb, ?, ?::jsonb, now(), now(), now() + ? * interval '1 millisecond')"
                            + " ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, labels = EXCLUDED.labels,"
                            + " docker_engine = EXCLUDED.docker_engine, facts = EXCLUDED.facts, started_at = EXCLUDED.started_at,"
                            + " heartbeat_at = EXCLUDED.heartbeat_at, expires_at = EXCLUDED.expires_at, stopped_at = NULL",
                    id, placement.host(), placement.labelsJson(), placement.dockerEngine(), placement.factsJson(),
                    expiresAfter.toMillis());
        } catch (RuntimeException e) {
            LOG.warn("worker {}: could not register in the workers table: {}", id, e.getMessage());
        }
    }

    void beat(String id, Duration expiresAfter) {
        try {
            dsl.execute("UPDATE " + workers + " SET heartbeat_at = now(), expires_at = now() + ? * interval '1 millisecond'"
                    + " WHERE id = ? AND stopped_at IS NULL", expiresAfter.toMillis(), id);
        } catch (RuntimeException e) {
            LOG.debug("worker {}: heartbeat in the workers table failed: {}", id, e.getMessage());
        }
    }

    void stopped(String id) {
        try {
            dsl.execute("UPDATE " + workers + " SET stopped_at = now() WHERE id = ?", id);
            dsl.execute("DELETE FROM " + workerPaths + " WHERE worker_id = ?", id);
        } catch (RuntimeException e) {
            LOG.warn("worker {}: could not mark itself stopped in the workers table: {}", id, e.getMessage());
        }
    }

    /** Every registered worker, live ones first, then by start. */
    public List<RegisteredWorker> list() {
        List<RegisteredWorker> found = new ArrayList<>();
        dsl.resultQuery("SELECT w.id, w.host, w.labels::text AS labels, w.docker_engine, w.started_at, w.heartbeat_at, w.stopped_at, "
                        + live("w", leaseOwners) + " AS live FROM " + workers + " w ORDER BY live DESC, w.started_at, w.id")
                .fetch()
                .forEach(r -> found.add(new RegisteredWorker(r.get("id", String.class), r.get("host", String.class),
                        labels(r.get("labels", String.class)), r.get("docker_engine", String.class),
                        r.get("started_at", OffsetDateTime.class), r.get("heartbeat_at", OffsetDateTime.class),
                        r.get("stopped_at", OffsetDateTime.class), Boolean.TRUE.equals(r.get("live", Boolean.class)))));
        return found;
    }

    static List<String> labels(String json) {
        List<String> labels = new ArrayList<>();
        if (json == null) {
            return labels;
        }
        try {
            JsonNode node = MAPPER.readTree(json);
            node.forEach(n -> labels.add(n.asText()));
        } catch (IOException e) {
            throw new IllegalStateException("stored labels are not JSON: " + json, e);
        }
        return labels;
    }
}
