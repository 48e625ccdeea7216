package dev.tasksync.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.Task;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskDefinition;
import dev.tasksync.internal.console.ConsoleServer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.internal.sql.Bound;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.internal.sql.Params;
import dev.tasksync.internal.sql.SqlFile;
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
import java.util.Set;
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
    /** The console's named statements that read a task's live step columns (StepStates, console.sql). */
    static final String ALL_STEPS = "allSteps";
    static final String WRITTEN_SINCE = "stepsWrittenSince";

    /** A read of a task's live step columns as it reaches the database: which statement, of which task. */
    record Read(String query, int taskId) {
    }

    final List<Read> reads = new CopyOnWriteArrayList<>();
    /** The rows each {@value #WRITTEN_SINCE} statement returned, in order (the last one may still be read). */
    final List<AtomicInteger> liveRows = new CopyOnWriteArrayList<>();
    /** The row count of the statement whose result set this thread reads, if it is a {@value #WRITTEN_SINCE}. */
    final ThreadLocal<AtomicInteger> reading = new ThreadLocal<>();
    @RegisterExtension
    final ConsoleHarness web = ConsoleHarness.withStepTypes(new TestSteps.SleepType())
            .configure(b -> b.dataSource(counting(TestDatabase.dataSource())));
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final List<CompletableFuture<Void>> streams = new ArrayList<>();

    private DataSource counting(DataSource ds) {
        return ProxyDataSourceBuilder.create(ds).proxyResultSet().afterMethod(call -> {
            AtomicInteger rows = reading.get();
            if (call.getTarget() instanceof ResultSet && call.getMethod().getName().equals("next")
                    && Boolean.TRUE.equals(call.getResult()) && rows != null) {
                rows.incrementAndGet();
            }
        }).afterQuery((exec, queries) -> {
            reading.remove();
            for (QueryInfo q : queries) {
                String name = NamedQuery.is(q.getQuery(), WRITTEN_SINCE) ? WRITTEN_SINCE
                        : NamedQuery.is(q.getQuery(), ALL_STEPS) ? ALL_STEPS : null;
                if (name == null) {
                    continue;
                }
                if (name.equals(WRITTEN_SINCE)) {
                    AtomicInteger rows = new AtomicInteger();
                    liveRows.add(rows);
                    reading.set(rows);
                }
                for (List<ParameterSetOperation> params : q.getParametersList()) {
                    // task_id is the statement's last parameter (a later read binds where it starts first)
                    ParameterSetOperation last = params.stream()
                            .max(Comparator.comparingInt(p -> ((Number) p.getArgs()[0]).intValue())).orElseThrow();
                    reads.add(new Read(name, ((Number) last.getArgs()[1]).intValue()));
                }
            }
        }).build();
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

    /** Reads of the task by the live reader ({@value #WRITTEN_SINCE}) or when a first page opens ({@value #ALL_STEPS}). */
    private long count(int taskId, boolean live) {
        return reads.stream().filter(r -> r.taskId() == taskId && r.query().equals(live ? WRITTEN_SINCE : ALL_STEPS)).count();
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
        long liveA = snapshot.stream().filter(r -> r.taskId() == a.id() && r.query().equals(WRITTEN_SINCE)).count();
        long liveB = snapshot.stream().filter(r -> r.taskId() == b.id() && r.query().equals(WRITTEN_SINCE)).count();
        assertThat(liveB).isGreaterThanOrEqualTo(5);
        assertThat(Math.abs(liveA - liveB)).as("reads of A (%d pages) %d, of B (1 page) %d", VIEWERS, liveA, liveB).isLessThanOrEqualTo(1);
        assertThat(snapshot.stream().filter(r -> r.taskId() == a.id() && r.query().equals(ALL_STEPS)).count()).isEqualTo(1);
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

    /**
     * The live read's plan: rows of the task's steps PostgreSQL reads to answer "written since", from EXPLAIN
     * ANALYZE of the console's own statement on a 2,000-step task after one step was written. Read by the row's
     * xmin it was a filter over every step of the task (2,001 rows read); by V15's indexed written_xid it is a
     * range scan that reads the one row written.
     */
    @Test
    void theLiveReadOfALargeTaskReadsOnlyTheRowsWrittenSince() throws SQLException {
        TaskDefinition.Builder b = TaskDefinition.named("two-thousand");
        for (int i = 0; i < 2_000; i++) {
            b.step("s" + i, new TestSteps.Sleep(1));
        }
        Task task = web.ts.save(b.build());
        String schema = "\"" + web.ts.schema() + "\"";
        Bound written = SqlFile.load(ConsoleServer.class, "console.sql").query(WRITTEN_SINCE)
                .render(Map.of("tasks", schema + ".tasks", "steps", schema + ".steps"))
                .bind(Params.of().set("since", "0").set("task_id", task.id()));
        try (Connection c = TestDatabase.dataSource().getConnection()) {
            c.createStatement().execute("ANALYZE " + schema + ".steps");
            String since;
            try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")) {
                rs.next();
                since = rs.getString(1);
            }
            web.ts.cancelStep(web.ts.steps(task.id()).get(1_234).id());
            Bound explain = new Bound("EXPLAIN (ANALYZE, FORMAT JSON) " + written.text(),
                    new Object[] {since, task.id()});
            JsonNode plan;
            try (PreparedStatement ps = explain.prepare(c); ResultSet rs = ps.executeQuery()) {
                rs.next();
                plan = new ObjectMapper().readTree(rs.getString(1)).get(0).get("Plan");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            assertThat(stepRowsRead(plan)).as("rows of steps read, plan %s", plan.toPrettyString()).isEqualTo(1);
        }
    }

    /** Rows a plan's scans of {@code steps} produced or threw away by a filter, over all their loops. */
    private static long stepRowsRead(JsonNode node) {
        long rows = 0;
        if ("steps".equals(node.path("Relation Name").asText())) {
            rows += node.path("Actual Rows").asLong() * node.path("Actual Loops").asLong(1)
                    + node.path("Rows Removed by Filter").asLong() + node.path("Rows Removed by Index Recheck").asLong();
        }
        for (JsonNode child : node.path("Plans")) {
            rows += stepRowsRead(child);
        }
        return rows;
    }

    /** A page's event stream as lines; the future completes when the server ends the stream. */
    private CompletableFuture<Void> lines(int taskId, List<String> into) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(web.console.url() + "tasks/" + taskId + "/events"))
                .header("Accept", "text/event-stream").build();
        CompletableFuture<Void> stream = client.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .thenAccept(r -> r.body().forEach(into::add));
        streams.add(stream);
        return stream;
    }

    private static List<String> eventNames(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("event:")).map(l -> l.substring(6).strip()).toList();
    }

    /**
     * A task deleted while a page shows it: the page is told ("deleted", which console.js shows and then stops
     * reconnecting), its stream ends, and the task is no longer read every period; a page opening on it later is
     * told the same at once.
     */
    @Test
    void aTaskDeletedWhileAPageWatchesItEndsTheStreamAndIsNoLongerRead() {
        Task gone = task("deleted-while-watched");
        Task kept = task("still-watched");
        ConsoleServer server = (ConsoleServer) web.console;
        watch(kept.id(), new ConcurrentHashMap<>());
        List<String> page = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> stream = lines(gone.id(), page);
        Awaits.until(() -> eventNames(page).contains("steps") && server.liveTasks().equals(Set.of(gone.id(), kept.id())));
        long readBefore = count(gone.id(), true);
        Awaits.until(() -> count(gone.id(), true) > readBefore); // it is read every period while the page shows it

        web.ts.deleteTask(gone.id());
        Awaits.until(stream::isDone);
        assertThat(eventNames(page)).containsExactly("steps", "deleted");
        assertThat(server.liveTasks()).containsExactly(kept.id());
        long readsOfGone = count(gone.id(), true);
        long readsOfKept = count(kept.id(), true);
        Awaits.until(() -> count(kept.id(), true) >= readsOfKept + 3); // a few more periods pass
        assertThat(count(gone.id(), true)).as("reads of the deleted task after its pages were told").isEqualTo(readsOfGone);

        List<String> late = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> lateStream = lines(gone.id(), late);
        Awaits.until(lateStream::isDone);
        assertThat(eventNames(late)).containsExactly("deleted");
        assertThat(server.liveTasks()).containsExactly(kept.id());
    }
}
