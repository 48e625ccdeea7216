package dev.tasksync.internal.console;

import dev.tasksync.StepStatus;
import dev.tasksync.TaskSync;
import io.javalin.http.sse.SseClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tells open task pages when their steps change. Every {@link #PERIOD_MILLIS} it reads the statuses of each task
 * some page shows (one query per task, however many pages show it) and sends one event with the steps whose
 * status changed since the last one, so a page gets at most a few events a second however many steps a run
 * finishes. It reads rather than listens: a trigger announcing each status change cost the engine about 15% of
 * its throughput (BENCHMARKS.md row 1d, 1,105 → 934 steps/s; a statement-level trigger 912–940), paid by every
 * run whether a page is open or not, while reading costs only while one is.
 */
final class LiveUpdates implements AutoCloseable {
    static final long PERIOD_MILLIS = 250;
    private static final Logger LOG = LoggerFactory.getLogger(LiveUpdates.class);

    private final TaskSync taskSync;
    private final Map<Integer, CopyOnWriteArrayList<SseClient>> clients = new ConcurrentHashMap<>();
    private final Map<Integer, Map<Integer, StepStatus>> lastSent = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "console-live"));
    private volatile boolean closed;

    LiveUpdates(TaskSync taskSync) {
        this.taskSync = taskSync;
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

    private void flush() {
        try {
            for (Integer taskId : Set.copyOf(clients.keySet())) {
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
        clients.values().forEach(list -> list.forEach(SseClient::close));
    }
}
