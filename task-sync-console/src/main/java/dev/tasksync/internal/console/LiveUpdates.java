package dev.tasksync.internal.console;

import dev.tasksync.StepProgress;
import dev.tasksync.TaskSync;
import io.javalin.http.sse.SseClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells open task pages when their steps change. Every {@link #PERIOD_MILLIS} it reads the statuses, attempt
 * counts and times of each task some page shows (one query per task, however many pages show it) and sends one
 * event with the steps whose status changed ({@code steps}) and those whose attempt, finish time or duration
 * changed ({@code progress}) since the last one; a page that opens gets the last snapshot read, without a query
 * of its own, so a page gets at most a few events a second however many steps a run
 * finishes. It reads rather than listens: a trigger announcing each status change cost the engine about 15% of
 * its throughput (BENCHMARKS.md row 1d, 1,105 → 934 steps/s; a statement-level trigger 912–940), paid by every
 * run whether a page is open or not, while reading costs only while one is.
 */
final class LiveUpdates implements AutoCloseable {
    static final long PERIOD_MILLIS = 250;
    private static final Logger LOG = LoggerFactory.getLogger(LiveUpdates.class);

    private final TaskSync taskSync;
    private final Map<Integer, CopyOnWriteArrayList<SseClient>> clients = new ConcurrentHashMap<>();
    private final Map<Integer, Map<Integer, StepProgress>> lastSent = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "console-live"));
    /** The last read of each watched task, which a page that opens now gets first. */
    private final Map<Integer, Snapshot> snapshots = new HashMap<>();
    private volatile boolean closed;

    /** Full-snapshot renderings so far: one per read, however many pages open on it (a test counts them). */
    private final AtomicLong renderings = new AtomicLong();

    /** A read of one task; its full "steps" event is rendered once, by the first page that opens on it. */
    private final class Snapshot {
        private final String taskStatus;
        private final Map<Integer, StepProgress> steps;
        private String rendered;

        Snapshot(String taskStatus, Map<Integer, StepProgress> steps) {
            this.taskStatus = taskStatus;
            this.steps = steps;
        }

        Map<Integer, StepProgress> steps() {
            return steps;
        }

        synchronized String rendered() {
            if (rendered == null) {
                renderings.incrementAndGet();
                rendered = ApiJson.write(ApiJson.changes(taskStatus, steps.values(), steps.values()));
            }
            return rendered;
        }
    }

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
        try {
            Snapshot snapshot;
            synchronized (this) { // one reader per task: a viewer arriving while others watch reuses their snapshot
                snapshot = snapshots.get(taskId);
                if (snapshot == null) {
                    snapshot = new Snapshot(taskSync.task(taskId).status(), taskSync.stepProgress(taskId));
                    snapshots.put(taskId, snapshot);
                    lastSent.put(taskId, snapshot.steps());
                }
                clients.computeIfAbsent(taskId, k -> new CopyOnWriteArrayList<>()).add(client);
            }
            client.sendEvent("steps", snapshot.rendered());
        } catch (RuntimeException e) {
            client.close();
        }
    }

    private void unsubscribe(int taskId, SseClient client) {
        clients.computeIfPresent(taskId, (k, list) -> {
            list.remove(client);
            return list.isEmpty() ? null : list;
        });
        synchronized (this) {
            if (!clients.containsKey(taskId)) {
                lastSent.remove(taskId);
                snapshots.remove(taskId);
            }
        }
    }

    private void flush() {
        try {
            for (Integer taskId : Set.copyOf(clients.keySet())) {
                CopyOnWriteArrayList<SseClient> listeners = clients.get(taskId);
                if (listeners == null || listeners.isEmpty()) {
                    continue;
                }
                String taskStatus = taskSync.task(taskId).status();
                Map<Integer, StepProgress> current = taskSync.stepProgress(taskId);
                Map<Integer, StepProgress> before = lastSent.getOrDefault(taskId, Map.of());
                List<StepProgress> statusChanged = new ArrayList<>();
                List<StepProgress> progressed = new ArrayList<>();
                current.forEach((id, p) -> {
                    StepProgress b = before.get(id);
                    if (b == null || b.status() != p.status()) {
                        statusChanged.add(p);
                    }
                    if (b == null || b.attempt() != p.attempt() || !Objects.equals(b.startedAt(), p.startedAt())
                            || !Objects.equals(b.finishedAt(), p.finishedAt())) {
                        progressed.add(p);
                    }
                });
                boolean unchanged = statusChanged.isEmpty() && progressed.isEmpty();
                synchronized (this) {
                    Snapshot last = snapshots.get(taskId);
                    // an unchanged read keeps the last snapshot, and with it its rendering for pages that open now
                    if (!unchanged || last == null || !taskStatus.equals(last.taskStatus)) {
                        lastSent.put(taskId, current);
                        snapshots.put(taskId, new Snapshot(taskStatus, current));
                    }
                }
                if (unchanged) {
                    continue;
                }
                String event = ApiJson.write(ApiJson.changes(taskStatus, statusChanged, progressed));
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

    long snapshotRenderings() {
        return renderings.get();
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        clients.values().forEach(list -> list.forEach(SseClient::close));
    }
}
