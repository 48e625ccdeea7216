package dev.tasksync.internal.console;

import dev.tasksync.TaskSync;
import io.javalin.http.sse.SseClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells open task pages when their steps change. Every {@link #PERIOD_MILLIS} it reads, for each task some page
 * shows (one statement per task, however many pages show it), the steps written since its last read
 * ({@link StepStates}), and sends one event with the steps whose status changed ({@code steps}) and those whose
 * attempt, start or finish time changed ({@code progress}); a page that opens gets every step's state as of the
 * last read, rendered once however many pages open on it, without a query of its own, so a page gets at most a few
 * events a second however many steps a run finishes. It reads rather than listens: a trigger announcing each
 * status change cost the engine about 15% of its throughput (BENCHMARKS.md row 1d, 1,105 → 934 steps/s; a
 * statement-level trigger 912–940), paid by every run whether a page is open or not, while reading costs only
 * while one is.
 */
final class LiveUpdates implements AutoCloseable {
    static final long PERIOD_MILLIS = 250;
    private static final Logger LOG = LoggerFactory.getLogger(LiveUpdates.class);

    /** The event a page gets when its task is deleted; its stream then ends (the page stops reconnecting). */
    static final String DELETED = "deleted";

    private final StepStates reads;
    private final Map<Integer, List<SseClient>> clients = new ConcurrentHashMap<>();
    /** What the pages of each watched task know (guarded by this). */
    private final Map<Integer, Watched> watched = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "console-live"));

    /** Full-snapshot renderings so far: one per change, however many pages open on it (a test counts them). */
    private final AtomicLong renderings = new AtomicLong();

    /** Every step of one task as of its last read, and where the next read starts. */
    private final class Watched {
        private String taskStatus;
        private final Map<Integer, StepState> steps = new HashMap<>();
        private long since;
        /** The full "steps" event of this state, rendered by the first page that opens on it; null after a change. */
        private SseFrame rendered;

        Watched(StepStates.Read first) {
            taskStatus = first.taskStatus();
            first.steps().forEach(s -> steps.put(s.id(), s));
            since = first.since();
        }

        SseFrame rendered() {
            if (rendered == null) {
                renderings.incrementAndGet();
                rendered = new SseFrame("steps", ApiJson.write(ApiJson.changes(taskStatus, steps.values(), steps.values())));
            }
            return rendered;
        }

        /** Takes in a later read; returns the event for the pages, or null if nothing they show changed. */
        SseFrame merge(StepStates.Read read) {
            List<StepState> statusChanged = new ArrayList<>();
            List<StepState> progressed = new ArrayList<>();
            for (StepState now : read.steps()) {
                StepState before = steps.put(now.id(), now);
                if (before == null || before.status() != now.status()) {
                    statusChanged.add(now);
                }
                if (before == null || now.progressedSince(before)) {
                    progressed.add(now);
                }
            }
            since = read.since();
            if (statusChanged.isEmpty() && progressed.isEmpty() && read.taskStatus().equals(taskStatus)) {
                return null; // the last rendering still holds for pages that open now
            }
            taskStatus = read.taskStatus();
            rendered = null;
            return new SseFrame("steps", ApiJson.write(ApiJson.changes(taskStatus, statusChanged, progressed)));
        }
    }

    LiveUpdates(TaskSync taskSync) {
        this.reads = new StepStates(taskSync);
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
            // the client's lock keeps this first event ahead of any change a read sends it meanwhile
            synchronized (client) {
                SseFrame first = null;
                synchronized (this) { // one reader per task: a viewer arriving while others watch reuses their state
                    Watched w = watched.get(taskId);
                    if (w == null) {
                        w = reads.all(taskId).map(Watched::new).orElse(null);
                        if (w != null) {
                            watched.put(taskId, w);
                        }
                    }
                    if (w != null) {
                        first = w.rendered();
                        clients.computeIfAbsent(taskId, k -> new CopyOnWriteArrayList<>()).add(client);
                    }
                }
                if (first == null) { // no such task (any more)
                    end(client, taskId);
                    return;
                }
                first.sendTo(client);
            }
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
                watched.remove(taskId);
            }
        }
    }

    private void flush() {
        try {
            for (Integer taskId : Set.copyOf(clients.keySet())) {
                Watched w;
                long since;
                synchronized (this) {
                    w = watched.get(taskId);
                    if (w == null) {
                        continue;
                    }
                    since = w.since;
                }
                Optional<StepStates.Read> read = reads.writtenSince(taskId, since);
                if (read.isEmpty()) {
                    deleted(taskId, w);
                    continue;
                }
                SseFrame event;
                synchronized (this) {
                    if (watched.get(taskId) != w) {
                        continue; // its last page closed meanwhile
                    }
                    event = w.merge(read.get());
                }
                if (event == null) {
                    continue;
                }
                for (SseClient c : clients.getOrDefault(taskId, List.of())) {
                    if (c.terminated()) {
                        unsubscribe(taskId, c);
                    } else {
                        synchronized (c) {
                            event.sendTo(c);
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("console: live update failed: {}", e.getMessage());
        }
    }

    /** The task is gone: its pages are told so and their streams end; it is no longer read. */
    private void deleted(int taskId, Watched w) {
        List<SseClient> pages;
        synchronized (this) {
            if (watched.get(taskId) != w) {
                return; // its last page closed meanwhile
            }
            watched.remove(taskId);
            pages = clients.remove(taskId);
        }
        if (pages != null) {
            pages.forEach(c -> end(c, taskId));
        }
    }

    /** Sends the page the {@link #DELETED} event and closes its stream. */
    private static void end(SseClient client, int taskId) {
        synchronized (client) {
            if (!client.terminated()) {
                client.sendEvent(DELETED, ApiJson.write(ApiJson.error("task " + taskId + " was deleted")));
            }
            client.close();
        }
    }

    /** Tasks whose steps are being read for some page (a test checks a deleted task's entry is dropped). */
    synchronized Set<Integer> watchedTasks() {
        return Set.copyOf(watched.keySet());
    }

    long snapshotRenderings() {
        return renderings.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        clients.values().forEach(list -> list.forEach(SseClient::close));
    }
}
