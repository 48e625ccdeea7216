package dev.tasksync.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.Step;
import dev.tasksync.StepSettings;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSyncException;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.TaskStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.HashMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The console over HTTP (no browser): login, roles, CSRF, rate limit, audit, the JSON API, escaping. */
class ConsoleApiIT {
    static final String XSS = "<script>alert('x')</script>";
    @RegisterExtension
    final ConsoleHarness web = ConsoleHarness.withStepTypes(new TestSteps.SleepType(), new TestSteps.GateType()).startedByTheTest();

    private void withUsers() {
        web.addUser(ConsoleHarness.OPERATOR, Role.OPERATOR, ConsoleHarness.OPERATOR_PASSWORD);
        web.addUser(ConsoleHarness.VIEWER, Role.VIEWER, ConsoleHarness.VIEWER_PASSWORD);
        web.start();
    }

    private Task task(String name, int steps) {
        TaskDefinition.Builder b = TaskDefinition.named(name);
        for (int i = 0; i < steps; i++) {
            b.step("s" + i, new TestSteps.Sleep(1));
        }
        return web.ts.save(b.build());
    }

    @Test
    void withoutUsersOnlyLoopbackIsServedAndNoLoginIsAsked() {
        assertThatThrownBy(() -> Console.start(web.ts, ConsoleOptions.defaults().withBind("0.0.0.0").withPort(0)))
                .isInstanceOf(TaskSyncException.class)
                .hasMessageContaining("no console user is defined")
                .hasMessageContaining("task-sync user add");
        web.start();
        assertThat(web.console.loginRequired()).isFalse();
        HttpSession s = web.session();
        assertThat(s.get("/").statusCode()).isEqualTo(200);
        assertThat(HttpSession.json(s.get("/api/session")).get("login_required").asBoolean()).isFalse();
    }

    @Test
    void pagesNeedALoginAndTheCookieIsHttpOnlyAndSameSiteStrict() {
        withUsers();
        HttpSession s = web.session();
        HttpResponse<String> page = s.get("/");
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).hasValue("/login?next=%2F");
        assertThat(s.get("/api/tasks").statusCode()).isEqualTo(401);

        assertThat(s.login("olga", "wrong-pass").statusCode()).isEqualTo(401);
        HttpResponse<String> ok = s.login("olga", "operator-pass");
        assertThat(ok.statusCode()).isEqualTo(303);
        String cookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict").doesNotContain("Secure");
        assertThat(s.get("/").statusCode()).isEqualTo(200);
        assertThat(s.get("/").headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'").doesNotContain("unsafe-inline");
    }

    @Test
    void loginAttemptsAreRateLimitedEvenWithTheRightPassword() {
        withUsers();
        HttpSession s = web.session();
        for (int i = 0; i < 5; i++) {
            assertThat(s.login("olga", "guess-" + i).statusCode()).isEqualTo(401);
        }
        assertThat(s.login("olga", "operator-pass").statusCode()).isEqualTo(429);
        assertThat(s.cookie).isNull();
    }

    @Test
    void viewersGet403OnChangesAndSeeNoButtons() {
        withUsers();
        Task t = task("build", 2);
        HttpSession viewer = web.as(ConsoleHarness.VIEWER, ConsoleHarness.VIEWER_PASSWORD);
        assertThat(viewer.get("/tasks/" + t.id()).body()).contains("build").doesNotContain("run-button");
        HttpResponse<String> r = viewer.post("/api/tasks/" + t.id() + "/submit", Map.of(), Map.of("X-CSRF-Token", viewer.csrf()));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(HttpSession.json(r).get("error").asText()).contains("viewer");
        assertThat(web.ts.plan(t.id()).toRun()).hasSize(2); // nothing was submitted
        assertThat(web.audit()).isEmpty();
    }

    @Test
    void aPostWithoutTheCsrfTokenIsRefusedAndOneWithItIsAudited() {
        withUsers();
        Task t = task("build", 1);
        HttpSession op = web.as(ConsoleHarness.OPERATOR, ConsoleHarness.OPERATOR_PASSWORD);
        assertThat(op.get("/tasks/" + t.id()).body()).contains("run-button");
        assertThat(op.post("/api/tasks/" + t.id() + "/cancel", Map.of(), Map.of()).statusCode()).isEqualTo(403);
        assertThat(op.post("/tasks/" + t.id() + "/cancel", Map.of("_csrf", "forged"), Map.of()).statusCode()).isEqualTo(403);
        assertThat(op.post("/tasks/" + t.id() + "/cancel", Map.of("_csrf", op.csrf()),
                Map.of("Origin", "http://evil.example")).statusCode()).isEqualTo(403);
        assertThat(web.audit()).isEmpty();

        HttpResponse<String> r = op.post("/api/tasks/" + t.id() + "/run", Map.of(), Map.of("X-CSRF-Token", op.csrf()));
        assertThat(r.statusCode()).isEqualTo(202);
        Awaits.until(() -> web.ts.task(t.id()).is(TaskStatus.COMPLETED));
        assertThat(web.audit()).containsExactly("olga run task task " + t.id() + " 'build'");
    }

    @Test
    void theTaskListPagesByKeysetWithStepCountsFilterAndSearch() {
        withUsers();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(task((i % 2 == 0 ? "even-" : "odd-") + i, i % 3 + 1).id());
        }
        web.ts.run(ids.get(6));
        HttpSession s = web.as(ConsoleHarness.VIEWER, ConsoleHarness.VIEWER_PASSWORD);
        JsonNode first = HttpSession.json(s.get("/api/tasks?limit=3"));
        assertThat(first.get("tasks")).extracting(n -> n.get("id").asInt()).containsExactly(ids.get(6), ids.get(5), ids.get(4));
        assertThat(first.get("tasks").get(0).get("step_counts").get("completed").asInt()).isEqualTo(1);
        assertThat(first.get("tasks").get(1).get("step_counts").get("new").asInt()).isEqualTo(3);
        JsonNode second = HttpSession.json(s.get("/api/tasks?limit=3&before=" + first.get("next_before").asInt()));
        assertThat(second.get("tasks")).extracting(n -> n.get("id").asInt()).containsExactly(ids.get(3), ids.get(2), ids.get(1));
        JsonNode odd = HttpSession.json(s.get("/api/tasks?q=ODD"));
        assertThat(odd.get("tasks")).extracting(n -> n.get("name").asText()).containsExactly("odd-5", "odd-3", "odd-1");
        assertThat(odd.get("next_before").isNull()).isTrue();
        JsonNode done = HttpSession.json(s.get("/api/tasks?status=completed"));
        assertThat(done.get("tasks")).extracting(n -> n.get("id").asInt()).containsExactly(ids.get(6));
        HttpResponse<String> bad = s.get("/api/tasks?status=done");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(HttpSession.json(bad).get("error").asText()).startsWith("status:");
    }

    @Test
    void theApiGivesTheCliShapesAndTheOpenApiDocument() {
        withUsers();
        Task t = web.ts.save(TaskDefinition.named("shapes")
                .step("a", new TestSteps.Sleep(1))
                .step("b", new TestSteps.Sleep(1)).dependsOn("a")
                .build());
        HttpSession s = web.as(ConsoleHarness.VIEWER, ConsoleHarness.VIEWER_PASSWORD);
        JsonNode task = HttpSession.json(s.get("/api/tasks/" + t.id()));
        assertThat(task.get("name").asText()).isEqualTo("shapes");
        JsonNode b = task.get("steps").get(1);
        assertThat(b.get("settings").get("sleep").get("millis").asInt()).isEqualTo(1);
        assertThat(b.get("depends_on").get(0).asInt()).isEqualTo(task.get("steps").get(0).get("id").asInt());
        JsonNode plan = HttpSession.json(s.get("/api/tasks/" + t.id() + "/plan"));
        assertThat(plan.get("steps").get(0).get("reason").asText()).isEqualTo("never ran");
        JsonNode deps = HttpSession.json(s.get("/api/tasks/" + t.id() + "/dependencies"));
        assertThat(deps).hasSize(1);
        assertThat(s.get("/api/tasks/999999").statusCode()).isEqualTo(404);
        assertThat(s.get("/api/steps/abc").statusCode()).isEqualTo(400);
        assertThat(s.get("/api/openapi.yaml").body()).startsWith("openapi: 3.0.3").contains("/api/tasks/{id}/plan:");
    }

    @Test
    void untrustedTextIsEscapedInEveryPage() {
        withUsers();
        Task t = web.ts.save(TaskDefinition.named(XSS)
                .step(XSS, StepSettings.of("gate", Map.of("note", XSS)))
                .build());
        HttpSession s = web.as(ConsoleHarness.VIEWER, ConsoleHarness.VIEWER_PASSWORD);
        int stepId = web.ts.steps(t.id()).get(0).id();
        for (String page : List.of("/", "/tasks/" + t.id(), "/steps/" + stepId)) {
            String html = s.get(page).body();
            assertThat(html).as(page).doesNotContain("<script>alert").contains("&lt;script&gt;alert(");
        }
    }

    @Test
    void aHundredThousandTasksPageByKeyset() throws Exception {
        withUsers();
        try (Connection c = web.ts.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO \"" + web.ts.schema() + "\".tasks (name) SELECT 'bulk-' || g FROM generate_series(1, 100000) g");
        }
        HttpSession s = web.as(ConsoleHarness.VIEWER, ConsoleHarness.VIEWER_PASSWORD);
        JsonNode first = HttpSession.json(s.get("/api/tasks?limit=1000"));
        assertThat(first.get("tasks")).hasSize(1000);
        assertThat(first.get("tasks").get(0).get("name").asText()).isEqualTo("bulk-100000");
        JsonNode deep = HttpSession.json(s.get("/api/tasks?limit=2&before=" + (first.get("next_before").asInt() - 98_000)));
        assertThat(deep.get("tasks")).extracting(n -> n.get("name").asText()).containsExactly("bulk-1000", "bulk-999");
        JsonNode found = HttpSession.json(s.get("/api/tasks?q=BULK-99999"));
        assertThat(found.get("tasks")).extracting(n -> n.get("name").asText()).containsExactly("bulk-99999");
        assertThat(s.get("/?before=500").body()).contains("bulk-499").contains("next-page");
    }

    @Test
    void liveEventsAreCoalescedAndEndWithEveryStepCompleted() throws Exception {
        withUsers();
        TaskDefinition.Builder b = TaskDefinition.named("wide");
        for (int i = 0; i < 300; i++) {
            b.step("s" + i, new TestSteps.Sleep(0));
        }
        Task t = web.ts.save(b.build());
        HttpSession s = web.as(ConsoleHarness.VIEWER, ConsoleHarness.VIEWER_PASSWORD);
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var request = HttpRequest.newBuilder(URI.create(web.console.url() + "tasks/" + t.id() + "/events"))
                .header("Cookie", s.cookie).header("Accept", "text/event-stream").build();
        var stream = client.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .thenAccept(r -> r.body().filter(l -> l.startsWith("data:")).forEach(l -> events.add(l.substring(5).trim())));
        JsonNode snapshot = new ObjectMapper().readTree(events.poll(60, TimeUnit.SECONDS));
        assertThat(snapshot.get("steps")).hasSize(300); // the first event: every step's status

        long started = System.nanoTime();
        web.ts.run(t.id()); // 600 status changes (new → active → completed)
        Map<String, String> seen = new HashMap<>();
        snapshot.get("steps").fields().forEachRemaining(e -> seen.put(e.getKey(), e.getValue().asText()));
        int updates = 0;
        while (!seen.values().stream().allMatch("completed"::equals)) {
            String data = events.poll(60, TimeUnit.SECONDS);
            assertThat(data).as("an event before the deadline").isNotNull();
            updates++;
            new ObjectMapper().readTree(data).get("steps").fields()
                    .forEachRemaining(e -> seen.put(e.getKey(), e.getValue().asText()));
        }
        long periods = (System.nanoTime() - started) / 1_000_000 / 250 + 2;
        // at most one event per coalescing period (250 ms), however many steps changed in it
        assertThat(updates).isPositive().isLessThanOrEqualTo((int) periods).isLessThan(600);
        stream.cancel(true);
    }

    /** Layers of {@code width} steps, each waiting for two steps of the layer above (as the benchmark's layered task). */
    private Task layered(String name, int width, int layers) {
        TaskDefinition.Builder b = TaskDefinition.named(name);
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < width; i++) {
                var step = b.step("s" + (l * width + i), new TestSteps.Sleep(0));
                if (l > 0) {
                    int above = (l - 1) * width;
                    step.dependsOn("s" + (above + i), "s" + (above + (i + 1) % width));
                }
            }
        }
        return web.ts.save(b.build());
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    @Test
    void aTaskOfMoreThanFiveHundredStepsShowsItsLayersAsBarsEveryRowAndThePlanOnRequest() {
        Task t = layered("big", 20, 30); // 600 steps, 30 layers, 1,160 edges
        web.start();
        HttpSession s = web.session();

        String page = s.get("/tasks/" + t.id()).body();
        assertThat(count(page, "<g class=\"band\"")).isEqualTo(30);
        assertThat(page).contains(">layer 1 · 20 steps<", ">layer 30 · 20 steps<", ">20 new<");
        assertThat(count(page, "id=\"step-status-")).isEqualTo(500); // the step table's first page
        assertThat(count(s.get("/tasks/" + t.id() + "?from=500").body(), "id=\"step-status-")).isEqualTo(100); // and its second
        assertThat(page).doesNotContain("<g class=\"node").contains("id=\"dag-full-link\"", "id=\"plan-deferred\"")
                .doesNotContain("<table id=\"plan\">");

        String full = s.get("/tasks/" + t.id() + "?dag=full").body(); // the link: every step as a node
        assertThat(count(full, "<g class=\"node")).isEqualTo(600);
        assertThat(count(full, "<line class=\"edge")).isEqualTo(1_160);
        assertThat(s.get("/tasks/" + t.id() + "?plan=show").body()).contains("<table id=\"plan\">");

        Task small = task("small", 3); // up to 500 steps: nodes and the plan, as before
        String smallPage = s.get("/tasks/" + small.id()).body();
        assertThat(count(smallPage, "<g class=\"node")).isEqualTo(3);
        assertThat(smallPage).contains("<table id=\"plan\">").doesNotContain("<g class=\"band\"");
    }

    @Test
    void theStepTableOfABigTaskPagesAndFiltersWhileTheBarsCountEveryStep() {
        Task t = layered("paged", 60, 20); // 1,200 steps, saved layer by layer: s0..s59 are layer 1
        web.start();
        HttpSession s = web.session();
        List<Integer> ids = web.ts.steps(t.id()).stream().map(Step::id).toList();

        String first = s.get("/tasks/" + t.id()).body();
        assertThat(count(first, "id=\"step-status-")).isEqualTo(500);
        assertThat(first).contains("id=\"step-status-" + ids.get(0) + "\"", "id=\"step-status-" + ids.get(499) + "\"")
                .doesNotContain("id=\"step-status-" + ids.get(500) + "\"")
                .contains(">steps 1–500 of 1,200<", "id=\"steps-next\" href=\"?from=500#steps\"").doesNotContain("id=\"steps-previous\"")
                // the bars still count all 1,200 steps, and name them for console.js
                .contains(">layer 1 · 60 steps<", ">layer 20 · 60 steps<", "data-ids=\"" + ids.get(0) + "-" + ids.get(59) + "\"");

        String last = s.get("/tasks/" + t.id() + "?from=1000&plan=show").body();
        assertThat(count(last, "id=\"step-status-")).isEqualTo(200);
        assertThat(last).contains(">steps 1,001–1,200 of 1,200<", "id=\"step-status-" + ids.get(1199) + "\"")
                .contains("id=\"steps-previous\" href=\"?from=500&amp;plan=show#steps\"").doesNotContain("id=\"steps-next\"")
                .contains("<table id=\"plan\">", "<input type=\"hidden\" name=\"plan\" value=\"show\">");
        // past the end: the last page
        assertThat(s.get("/tasks/" + t.id() + "?from=5000").body()).contains(">steps 1,001–1,200 of 1,200<");

        // filter by title (s11, s110..s119, s1100..s1199) and by status (nothing ran yet)
        String found = s.get("/tasks/" + t.id() + "?q=S11").body();
        assertThat(count(found, "id=\"step-status-")).isEqualTo(1 + 10 + 100);
        assertThat(found).contains("steps 1–111 of 111 matching (1,200 in the task)").contains("value=\"S11\"");
        assertThat(s.get("/tasks/" + t.id() + "?status=completed").body()).contains(">no step matches<")
                .doesNotContain("id=\"step-status-");
        assertThat(count(s.get("/tasks/" + t.id() + "?status=new&q=s1").body(), "id=\"step-status-")).isEqualTo(311);

        HttpResponse<String> bad = s.get("/tasks/" + t.id() + "?status=done");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("status:");
        assertThat(s.get("/tasks/" + t.id() + "?from=x").body()).contains("from:");

        Task small = task("small", 3); // a task of one page: no pager, no filter, as before
        String smallPage = s.get("/tasks/" + small.id()).body();
        assertThat(count(smallPage, "id=\"step-status-")).isEqualTo(3);
        assertThat(smallPage).doesNotContain("id=\"step-pager\"").doesNotContain("id=\"step-filter\"");
    }

    @Test
    void liveEventsCarryAttemptsFinishTimesAndDurations() throws Exception {
        web.start();
        Task t = web.ts.save(TaskDefinition.named("chain").step("a", new TestSteps.Sleep(20))
                .step("b", new TestSteps.Sleep(20)).dependsOn("a").build());
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var request = HttpRequest.newBuilder(URI.create(web.console.url() + "tasks/" + t.id() + "/events"))
                .header("Accept", "text/event-stream").build();
        var stream = client.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .thenAccept(r -> r.body().filter(l -> l.startsWith("data:")).forEach(l -> events.add(l.substring(5).trim())));
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> progress = new HashMap<>();
        json.readTree(events.poll(60, TimeUnit.SECONDS)).get("progress").fields()
                .forEachRemaining(e -> progress.put(e.getKey(), e.getValue()));
        assertThat(progress).hasSize(2).allSatisfy((id, p) -> {
            assertThat(p.get("attempt").asInt()).isZero();
            assertThat(p.get("finished").asText()).isEqualTo("-");
        });

        web.ts.run(t.id());
        while (!progress.values().stream().allMatch(p -> p.get("attempt").asInt() == 1 && !p.get("finished").asText().equals("-"))) {
            String data = events.poll(60, TimeUnit.SECONDS);
            assertThat(data).as("an event before the deadline").isNotNull();
            json.readTree(data).get("progress").fields().forEachRemaining(e -> progress.put(e.getKey(), e.getValue()));
        }
        // the columns as the step table prints them
        assertThat(progress.values()).allSatisfy(p -> {
            assertThat(p.get("finished").asText()).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} .*");
            assertThat(p.get("duration").asText()).matches("\\d+ ms|[0-9.]+ s");
        });
        stream.cancel(true);
    }

}
