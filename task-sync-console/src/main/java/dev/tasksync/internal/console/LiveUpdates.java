package dev.tasksync.internal.console;

import dev.tasksync.StepStatus;
import dev.tasksync.TaskSync;
import io.javalin.http.sse.SseClient;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tells open task pages when their steps change. The database announces each step status change (V13's
 * trigger, LISTEN/NOTIFY); this only marks the task dirty. Every {@link #PERIOD_MILLIS} one event per dirty
 * task carries the steps whose status changed since the last one, so a page gets at most a few events a
 * second however many steps a run finishes. A periodic sweep covers notifications lost with the connection.
 */
final class LiveUpdates implements AutoCloseable {
    static final long PERIOD_MILLIS = 250;
    private static final long SWEEP_MILLIS = 5000;
    private static final Logger LOG = LoggerFactory.getLogger(LiveUpdates.class);

    private final TaskSync taskSync;
    private final String channel;
    private final Map<Integer, CopyOnWriteArrayList<SseClient>> clients = new ConcurrentHashMap<>();
    private final Map<Integer, Map<Integer, StepStatus>> lastSent = new ConcurrentHashMap<>();
    private final Set<Integer> dirty = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "console-live"));
    private final Thread listener;
    private volatile boolean closed;
    private long lastSweep;

    LiveUpdates(TaskSync taskSync) {
        this.taskSync = taskSync;
        this.channel = "tasksync_steps_" + taskSync.schema().toLowerCase(Locale.ROOT);
        this.listener = daemon(this::listen, "console-listen");
        listener.start();
        timer.scheduleWithFixedDelay(this::flush, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A page of task {@code taskId} listens; it first gets every step's status (it may have missed changes). */
    void subscribe(int taskId, SseClient client) {
        client.keepAlive();
        client.onClose(() -> unsubscribe(taskId, client));
        clients.computeIfAbsent(taskId, k -> new CopyOnWriteArrayList<>()).add(client);
        try {
            Map<Integer, StepStatus> now = taskSync.stepStatuses(taskId);
            client.sendEvent("steps", ApiJson.write(ApiJson.statuses(taskSync.task(taskId).status(), now)));
            lastSent.putIfAbsent(taskId, now);
        } catch (RuntimeException e) {
            client.close();
        }
    }

    private void unsubscribe(int taskId, SseClient client) {
        clients.computeIfPresent(taskId, (k, list) -> {
            list.remove(client);
            return list.isEmpty() ? null : list;
        });
        if (!clients.containsKey(taskId)) {
            lastSent.remove(taskId);
        }
    }

    private void listen() {
        while (!closed) {
            try (Connection c = taskSync.dataSource().getConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(true);
                s.execute("LISTEN " + channel);
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] got = pg.getNotifications(1000);
                    if (got != null) {
                        for (PGNotification n : got) {
                            try {
                                dirty.add(Integer.parseInt(n.getParameter()));
                            } catch (NumberFormatException ignored) {
                                // not ours
                            }
                        }
                    }
                }
            } catch (Exception e) {
                if (!closed) {
                    LOG.debug("console: LISTEN connection lost, again in a second: {}", e.getMessage());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    private void flush() {
        try {
            long now = System.currentTimeMillis();
            if (now - lastSweep > SWEEP_MILLIS) {
                lastSweep = now;
                dirty.addAll(clients.keySet());
            }
            for (Integer taskId : Set.copyOf(dirty)) {
                dirty.remove(taskId);
                CopyOnWriteArrayList<SseClient> listeners = clients.get(taskId);
                if (listeners == null || listeners.isEmpty()) {
                    continue;
                }
                Map<Integer, StepStatus> current = taskSync.stepStatuses(taskId);
                Map<Integer, StepStatus> before = lastSent.getOrDefault(taskId, Map.of());
                Map<Integer, StepStatus> changed = new HashMap<>();
                current.forEach((id, st) -> {
                    if (before.get(id) != st) {
                        changed.put(id, st);
                    }
                });
                lastSent.put(taskId, current);
                if (changed.isEmpty()) {
                    continue;
                }
                String event = ApiJson.write(ApiJson.statuses(taskSync.task(taskId).status(), changed));
                for (SseClient c : listeners) {
                    if (c.terminated()) {
                        unsubscribe(taskId, c);
                    } else {
                        c.sendEvent("steps", event);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("console: live update failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        listener.interrupt();
        clients.values().forEach(list -> list.forEach(SseClient::close));
    }
}
