package dev.tasksync.internal.engine;

import org.jooq.ConnectionProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import dev.tasksync.StepStatus;
import java.util.Arrays;

/**
 * The lease owners of one engine (its in-process runs, each of its workers) and the database session
 * that says they are alive. Each owner is recorded in {@code lease_owners} with the pid and start time of
 * one connection the engine keeps open. When the process dies (SIGKILL, a crash), the server ends that
 * session, and a claim takes the owner's steps over at once instead of when their leases expire
 * ({@link ClaimStatements}). An owner that was never recorded is never taken for dead.
 */
final class LeaseOwners implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseOwners.class);
    /** How often a heartbeat makes sure the session is still there, at most. */
    private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ConnectionProvider connections;
    private final String table;
    private final String steps;
    /** Owner → takeover_millis, as recorded. */
    private final Map<String, Long> owners = new ConcurrentHashMap<>();
    private Connection session;
    private long checkedAt;

    LeaseOwners(ConnectionProvider connections, ClaimStatements.Tables tables) {
        this.connections = connections;
        this.table = tables.leaseOwners();
        this.steps = tables.steps();
    }

    /** SQL (section {@code sessionGone} of claims.sql, which its claims include too), about the {@code lease_owners} row {@code o}. */
    private static final String SESSION_GONE = ClaimStatements.SQL.query("sessionGone").fragment(Map.of());

    /**
     * SQL, true when the {@code lease_owners} row {@code o} names a session that ended while this server
     * ran. Sessions from before a server restart prove nothing (every session ended then, and their owners
     * may live on and reconnect). A session whose start time the role may not see counts as alive.
     */
    static String sessionGone() {
        return SESSION_GONE;
    }

    /**
     * Records {@code owner} under this engine's session (opened on first use), once per owner. Steps of an
     * owner that is gone are taken over {@code lease - 2 heartbeats} before their leases expire: by then the
     * owner, if only its session was lost, has seen it at a heartbeat and stopped them. A failure is logged:
     * the owner's steps are then taken over when their leases expire, as without this.
     */
    synchronized void register(String owner, Duration lease, Duration heartbeat) {
        long takeover = Math.max(0, lease.toMillis() - 2 * heartbeat.toMillis());
        Long known = owners.get(owner);
        if (known != null && known == takeover && session != null) {
            return;
        }
        owners.put(owner, takeover);
        try {
            if (session == null) {
                open();
            } else {
                record(Map.of(owner, takeover));
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("could not record the database session of {} ({}): its steps are taken over only when their leases expire",
                    owner, e.getMessage());
            drop();
        }
    }

    /**
     * Makes sure the session is still open (at most every 10 s unless {@code now}); opens a new one and
     * records every owner under it when it is not. Called from heartbeats.
     */
    void check(boolean now) {
        synchronized (this) {
            if (owners.isEmpty() || (!now && System.nanoTime() - checkedAt < CHECK_NANOS)) {
                return;
            }
            checkedAt = System.nanoTime();
            try {
                if (session != null && session.isValid(2)) {
                    return;
                }
                drop();
                LOG.info("the database session that shows {} alive was lost; opening a new one", owners.keySet());
                open();
            } catch (SQLException | RuntimeException e) {
                LOG.warn("could not record the database session of {}: {}", owners.keySet(), e.getMessage());
                drop();
            }
        }
    }

    private void open() throws SQLException {
        session = connections.acquire();
        checkedAt = System.nanoTime();
        // Rows of owners that are gone and hold no lease any more: nothing refers to them.
        try (PreparedStatement ps = session.prepareStatement("DELETE FROM " + table + " o WHERE (o.backend_start < pg_postmaster_start_time() OR "
                + sessionGone() + ") AND NOT EXISTS (SELECT 1 FROM " + steps + " s WHERE s.lease_owner = o.owner AND s.status = '" + StepStatus.ACTIVE.dbValue() + "')")) {
            ps.executeUpdate();
        }
        record(owners);
    }

    private void record(Map<String, Long> which) throws SQLException {
        String[] names = which.keySet().toArray(String[]::new);
        Long[] takeovers = Arrays.stream(names).map(which::get).toArray(Long[]::new);
        try (PreparedStatement ps = session.prepareStatement("INSERT INTO " + table
                + " (owner, backend_pid, backend_start, takeover_millis, registered_at)"
                + " SELECT v.owner, pg_backend_pid(), a.backend_start, v.takeover, now()"
                + " FROM unnest(?::text[], ?::int8[]) AS v(owner, takeover), pg_stat_get_activity(pg_backend_pid()) a"
                + " ON CONFLICT (owner) DO UPDATE SET backend_pid = EXCLUDED.backend_pid, backend_start = EXCLUDED.backend_start,"
                + " takeover_millis = EXCLUDED.takeover_millis, registered_at = EXCLUDED.registered_at")) {
            ps.setArray(1, session.createArrayOf("text", names));
            ps.setArray(2, session.createArrayOf("int8", takeovers));
            ps.executeUpdate();
        }
    }

    private void drop() {
        if (session != null) {
            try {
                connections.release(session);
            } catch (RuntimeException e) {
                LOG.debug("closing a lost session: {}", e.getMessage());
            }
            session = null;
        }
    }

    /** The engine closes: its owners' rows go (their steps were given back), then the session. */
    @Override
    public synchronized void close() {
        if (session != null && !owners.isEmpty()) {
            try (PreparedStatement ps = session.prepareStatement("DELETE FROM " + table + " WHERE owner = ANY(?) AND backend_pid = pg_backend_pid()")) {
                ps.setArray(1, session.createArrayOf("text", owners.keySet().toArray(String[]::new)));
                ps.executeUpdate();
            } catch (SQLException | RuntimeException e) {
                LOG.debug("could not remove the lease owners {}: {}", owners.keySet(), e.getMessage());
            }
        }
        owners.clear();
        drop();
    }
}
