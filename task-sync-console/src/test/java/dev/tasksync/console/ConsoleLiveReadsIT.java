package dev.tasksync.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.Task;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskDefinition;
import dev.tasksync.internal.console.ConsoleServer;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import net.ttddyy.dsproxy.QueryInfo;
import net.ttddyy.dsproxy.proxy.ParameterSetOperation;
import net.ttddyy.dsproxy.support.ProxyDataSourceBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * "One read per task, however many viewers": the live events of a task page are fed by one read of the task's
 * steps per period, shared by every page that shows the task. Every statement is counted on its way to the real
 * database (datasource-proxy), while 20 pages watch task A and one page watches task B: A must be read no more
 * often than B, and the 19 pages that open after the first must not read A at all. And a read after the first
 * returns only the steps written since the one before: a period in which nothing changed reads the task's row alone.
 */
class ConsoleLiveReadsIT {
    static final int VIEWERS = 20;
    /** The reads of a task's live step columns (StepStates) as they reach the database. */
    record Read(String thread, int taskId) {
    }

    final List<Read> reads = new CopyOnWriteArrayList<>();
    /** The rows each statement of the live thread returned, in order (the last one may still be read). */
    final List<AtomicInteger> liveRows = new CopyOnWriteArrayList<>();
    @RegisterExtension
    final ConsoleHarness web = ConsoleHarness.withStepTypes(new TestSteps.SleepType())
            .configure(b -> b.dataSource(counting(TestDatabase.dataSource())));
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final List<CompletableFuture<Void>> streams = new ArrayList<>();

    private DataSource counting(DataSource ds) {
        return ProxyDataSourceBuilder.create(ds).proxyResultSet().afterMethod(call -> {
            if (call.getTarget() instanceof ResultSet && call.getMethod().getName().equals("next")
                    && Boolean.TRUE.equals(call.getResult()) && live() && !liveRows.isEmpty()) {
                liveRows.get(liveRows.size() - 1).incrementAndGet();
            }
        }).afterQuery((exec, queries) -> {
            if (live()) {
                liveRows.add(new AtomicInteger());
            }
            for (QueryInfo q : queries) {
                if (q.getQuery().contains("pg_current_snapshot")) { // the live columns of a task's steps
                    for (List<ParameterSetOperation> params : q.getParametersList()) {
                        // task_id is the statement's last parameter (a later read binds where it starts first)
                        ParameterSetOperation last = params.stream()
                                .max(Comparator.comparingInt(p -> ((Number) p.getArgs()[0]).intValue())).orElseThrow();
                        reads.add(new Read(Thread.currentThread().getName(), ((Number) last.getArgs()[1]).intValue()));
                    }
                }
            }
        }).build();
    }

    private static boolean live() {
        return Thread.currentThread().getName().equals("console-live");
    }

    @AfterEach
    void closeStreams() {
        streams.forEach(s -> s.cancel(true));
    }

    /** A page's event stream; each event's step statuses go into {@code seen}. */
    private void watch(int taskId, Map<String, String> seen) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(web.console.url() + "tasks/" + taskId + "/events"))
                .header("Accept", "text/event-stream").build();
        ObjectMapper json = new ObjectMapper();
        streams.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> r.body()
                .filter(l -> l.startsWith("data:")).forEach(l -> {
                    try {
                        json.readTree(l.substring(5).trim()).get("steps").fields().forEachRemaining(e -> seen.put(e.getKey(), e.getValue().asText()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })));
    }

    private Task task(String name) {
        return web.ts.save(TaskDefinition.named(name).step("a", new TestSteps.Sleep(1)).step("b", new TestSteps.Sleep(1)).dependsOn("a")
                .step("c", new TestSteps.Sleep(1)).dependsOn("b").build());
    }

    private long count(int taskId, boolean live) {
        return reads.stream().filter(r -> r.taskId() == taskId && r.thread().equals("console-live") == live).count();
    }

    @Test
    void aTaskIsReadOncePerPeriodHoweverManyPagesWatchIt() {
        Task a = task("watched-by-many");
        Task b = task("watched-by-one");
        List<Map<String, String>> pagesOfA = new ArrayList<>();
        Map<String, String> pageOfB = new ConcurrentHashMap<>();
        watch(b.id(), pageOfB);
        for (int i = 0; i < VIEWERS; i++) {
            Map<String, String> seen = new ConcurrentHashMap<>();
            pagesOfA.add(seen);
            watch(a.id(), seen);
        }
        // every page got its first event: every step's status
        Awaits.until(() -> pageOfB.size() == 3 && pagesOfA.stream().allMatch(p -> p.size() == 3));
        // the first page of each task read it once when it opened; the other 19 pages of A were given that read
        assertThat(count(a.id(), false)).isEqualTo(1);
        assertThat(count(b.id(), false)).isEqualTo(1);
        // ... and its full snapshot was rendered once per task, not once per page (nothing changed meanwhile)
        assertThat(((ConsoleServer) web.console).liveSnapshotRenderings()).isEqualTo(2);

        // a run of A reaches all 20 pages
        web.ts.run(a.id());
        Awaits.until(() -> pagesOfA.stream().allMatch(p -> p.values().stream().allMatch("completed"::equals)));
        long since = count(b.id(), true);
        Awaits.until(() -> count(b.id(), true) >= since + 5); // a few more periods pass

        // each period reads A once and B once (one of the two may not have been read yet in the current period)
        List<Read> snapshot = List.copyOf(reads);
        long liveA = snapshot.stream().filter(r -> r.taskId() == a.id() && r.thread().equals("console-live")).count();
        long liveB = snapshot.stream().filter(r -> r.taskId() == b.id() && r.thread().equals("console-live")).count();
        assertThat(liveB).isGreaterThanOrEqualTo(5);
        assertThat(Math.abs(liveA - liveB)).as("reads of A (%d pages) %d, of B (1 page) %d", VIEWERS, liveA, liveB).isLessThanOrEqualTo(1);
        assertThat(snapshot.stream().filter(r -> r.taskId() == a.id() && !r.thread().equals("console-live")).count()).isEqualTo(1);
    }

    /** Whether the last {@code n} finished reads of the live thread returned one row each (the task's, no step). */
    private boolean lastReadsReturnedOneRow(int n) {
        List<AtomicInteger> rows = List.copyOf(liveRows);
        if (rows.size() < n + 1) {
            return false;
        }
        return rows.subList(rows.size() - 1 - n, rows.size() - 1).stream().allMatch(r -> r.get() == 1);
    }

    @Test
    void aPeriodInWhichNothingChangedReadsNoStep() {
        TaskDefinition.Builder b = TaskDefinition.named("fifty");
        for (int i = 0; i < 50; i++) {
            b.step("s" + i, new TestSteps.Sleep(1));
        }
        Task task = web.ts.save(b.build());
        Map<String, String> seen = new ConcurrentHashMap<>();
        watch(task.id(), seen);
        Awaits.until(() -> seen.size() == 50);
        // the page's first read got all 50 steps; the reads after it find nothing written and return the task alone
        Awaits.until(() -> lastReadsReturnedOneRow(5));

        // one step written: the next reads return it, and the page sees it
        int one = web.ts.steps(task.id()).get(7).id();
        web.ts.cancelStep(one);
        Awaits.until(() -> StepStatus.CANCELLED.dbValue().equals(seen.get(Integer.toString(one))));
        Awaits.until(() -> lastReadsReturnedOneRow(5));
        assertThat(liveRows.stream().mapToInt(AtomicInteger::get).max().orElseThrow())
                .as("rows of one live read").isLessThanOrEqualTo(2);
    }

    /**
     * A read returns what was written since the last one by its transactions' ids, not by a clock: a transaction
     * that wrote a step before some reads and commits after them (as a slow worker's may) still reaches the page.
     */
    @Test
    void aStepWrittenInATransactionOpenAcrossReadsReachesThePage() throws SQLException {
        Task task = task("slow-writer");
        Map<String, String> seen = new ConcurrentHashMap<>();
        watch(task.id(), seen);
        Awaits.until(() -> seen.size() == 3);
        String b = Integer.toString(web.ts.steps(task.id()).get(1).id());
        try (Connection c = web.ts.dataSource().getConnection();
             PreparedStatement update = c.prepareStatement("UPDATE \"" + web.ts.schema() + "\".steps SET status = 'cancelled' WHERE id = ?")) {
            c.setAutoCommit(false);
            update.setInt(1, Integer.parseInt(b));
            update.executeUpdate();
            int before = liveRows.size();
            Awaits.until(() -> liveRows.size() >= before + 4); // reads while it is open cannot see it
            assertThat(seen.get(b)).isEqualTo("new");
            c.commit();
        }
        Awaits.until(() -> "cancelled".equals(seen.get(b)));
    }
}
