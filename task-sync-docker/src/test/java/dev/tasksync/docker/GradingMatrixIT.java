package dev.tasksync.docker;

import com.github.dockerjava.api.exception.NotFoundException;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepOutcome;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import java.util.concurrent.atomic.AtomicInteger;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;

/** The grading matrix of docker_rubrics: solutions, original and golden, held-out tests, limits, re-grades by cell. */
class GradingMatrixIT extends DockerITBase {
    static final String IMAGE = "tsd-grading19-busybox:it";
    static long since;

    @BeforeAll
    static void ownImage() throws IOException {
        if (unavailable == null) {
            DockerTestSupport.buildImage(docker, Files.createTempDirectory("tsd-grading19"), IMAGE, "RUN mkdir -p /tmp");
            since = System.currentTimeMillis() / 1000 - 1;
        }
    }

    @AfterAll
    static void removeOwnImage() {
        if (unavailable == null) {
            DockerTestSupport.removeImage(docker, IMAGE);
        }
    }

    private static final String ORIGINAL = "#!/bin/sh\necho $(( $1 - $2 ))\n";

    private void repository() throws IOException {
        write("calc/calc.sh", ORIGINAL);
        write("calc/README", "a calculator\n");
        write("patches/golden.patch", calcPatch("echo $(( $1 - $2 ))", "echo $(( $1 + $2 ))"));
        write("solutions/model-1.patch", correctPatch());
        // Right for 2 + 3 only: fails the held-out test.
        write("solutions/model-2.patch", calcPatch("echo $(( $1 - $2 ))", "# usage: calc.sh A B", "echo 5"));
        // Written against other code: does not apply.
        write("solutions/model-3.patch", calcPatch("echo $(( $1 * $2 ))", "echo $(( $1 + $2 ))"));
        write("held_out.patch", """
                --- /dev/null
                +++ b/calc/tests/test_add.sh
                @@ -0,0 +1,2 @@
                +#!/bin/sh
                +[ "$(sh calc/calc.sh 10 4)" = 14 ]
                """);
    }

    private static String correctPatch() {
        return calcPatch("echo $(( $1 - $2 ))", "# usage: calc.sh A B", "echo $(( $1 + $2 ))");
    }

    /** A patch of calc/calc.sh that replaces its second line, {@code removed}, with the {@code added} lines. */
    private static String calcPatch(String removed, String... added) {
        StringBuilder patch = new StringBuilder("--- a/calc/calc.sh\n+++ b/calc/calc.sh\n")
                .append("@@ -1,2 +1,").append(1 + added.length).append(" @@\n #!/bin/sh\n-").append(removed).append('\n');
        for (String line : added) {
            patch.append('+').append(line).append('\n');
        }
        return patch.toString();
    }

    private static String rubric(String extra) {
        return "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", \"files\": [\"calc/\"], "
                + "\"solutions\": \"solutions/*.patch\", \"golden\": \"patches/golden.patch\", \"original\": true, "
                + "\"held_out_tests\": \"held_out.patch\", " + extra + "\"criteria\": ["
                + "{\"id\": \"runs\", \"command\": \"sh calc/calc.sh 1 1 >/dev/null\", \"points\": 2, \"required\": true},"
                + "{\"id\": \"adds\", \"command\": \"[ \\\"$(sh calc/calc.sh 2 3)\\\" = 5 ]\", \"points\": 3},"
                + "{\"id\": \"tests_pass\", \"command\": \"sh calc/tests/test_add.sh\", \"points\": 2},"
                + "{\"id\": \"has_usage\", \"command\": \"grep -q usage calc/calc.sh\", \"points\": 1}]}}";
    }

    @Test
    void gradesEverySolutionWithBaselinesFlagsAndReGradesOnlyTheChangedColumn() throws Exception {
        repository();
        Task t = task();
        step(t, "grade", rubric("\"parallel\": 2, "));
        RunResult r = ts.run(t.id());
        assertThat(result(r, "grade").status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
        JsonNode res = results(r, "grade");
        assertThat(names(res)).containsExactly("model-1", "model-2", "model-3", "original", "golden");
        assertRow(res, "model-1", 8, true, "runs", true, "adds", true, "tests_pass", true, "has_usage", true);
        assertRow(res, "model-2", 6, true, "runs", true, "adds", true, "tests_pass", false, "has_usage", true);
        assertRow(res, "original", 2, true, "runs", true, "adds", false, "tests_pass", false, "has_usage", false);
        assertRow(res, "golden", 7, true, "runs", true, "adds", true, "tests_pass", true, "has_usage", false);
        JsonNode broken3 = column(res, "model-3");
        assertThat(broken3.get("score").asDouble()).isZero();
        assertThat(broken3.get("max_score").asDouble()).isEqualTo(8);
        assertThat(broken3.get("passed_required").asBoolean()).isFalse();
        assertThat(broken3.get("error").asText()).contains("model-3.patch").contains("does not apply to calc/calc.sh");
        assertThat(broken3.get("cells").get("adds").get("passed").asBoolean()).isFalse();
        JsonNode cell = column(res, "model-2").get("cells").get("tests_pass");
        assertThat(cell.get("exit_code").asInt()).isEqualTo(1);
        assertThat(cell.get("timed_out").asBoolean()).isFalse();
        assertThat(cell.get("score").asDouble()).isZero();
        assertThat(cell.get("max_score").asDouble()).isEqualTo(2);
        assertThat(cell.has("duration_ms")).isTrue();
        assertThat(res.get("broken")).extracting(JsonNode::asText).containsExactly("has_usage");
        assertThat(res.get("does_not_discriminate")).extracting(JsonNode::asText).containsExactly("runs");
        // One container per graded column (model-3's patch does not apply: none), all removed.
        assertThat(res.get("containers_started").asInt()).isEqualTo(4);
        assertThat(createdContainers(t.id())).isEqualTo(4);
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();

        // Nothing changed: the step is up to date, no container starts.
        RunResult again = ts.run(t.id());
        assertThat(again.succeeded()).as(again.toString()).isTrue();
        assertThat(createdContainers(t.id())).isEqualTo(4);

        // model-2's patch changed: only its column is graded again, in one container.
        write("solutions/model-2.patch", correctPatch());
        String reason = ts.plan(t.id(), false).steps().get(0).reason();
        assertThat(reason).contains("model-2 × tests_pass: patch changed").doesNotContain("model-1").doesNotContain("golden");
        RunResult third = ts.run(t.id());
        assertThat(result(third, "grade").status()).as(third.toString()).isEqualTo(StepStatus.COMPLETED);
        JsonNode res3 = results(third, "grade");
        assertThat(res3.get("regraded")).extracting(JsonNode::asText).containsExactly(
                "model-2 × runs: patch changed", "model-2 × adds: patch changed",
                "model-2 × tests_pass: patch changed", "model-2 × has_usage: patch changed");
        assertThat(createdContainers(t.id())).isEqualTo(5);
        assertRow(res3, "model-2", 8, true, "runs", true, "adds", true, "tests_pass", true, "has_usage", true);
        assertRow(res3, "golden", 7, true, "runs", true, "adds", true, "tests_pass", true, "has_usage", false);
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();

        // Points and required only weigh the verdicts: the stored cells are re-scored, no container starts.
        Step grade = ts.steps(t.id()).get(0);
        ts.updateStep(grade.id(), "grade", rubric("\"parallel\": 2, ")
                .replace("\"points\": 3}", "\"points\": 5}").replace("\"points\": 1}", "\"points\": 1, \"required\": true}"));
        RunResult fourth = ts.run(t.id());
        assertThat(result(fourth, "grade").status()).as(fourth.toString()).isEqualTo(StepStatus.COMPLETED);
        JsonNode res4 = results(fourth, "grade");
        assertThat(res4.get("regraded")).isEmpty();
        assertThat(res4.get("containers_started").asInt()).isZero();
        assertThat(createdContainers(t.id())).isEqualTo(5);
        assertThat(column(res4, "model-1").get("score").asDouble()).isEqualTo(10);
        assertThat(column(res4, "model-1").get("max_score").asDouble()).isEqualTo(10);
        assertThat(column(res4, "model-1").get("cells").get("adds").get("score").asDouble()).isEqualTo(5);
        assertThat(column(res4, "original").get("score").asDouble()).isEqualTo(2);
        // golden fails has_usage, now required
        assertThat(column(res4, "golden").get("score").asDouble()).isEqualTo(9);
        assertThat(column(res4, "golden").get("passed_required").asBoolean()).isFalse();
        assertThat(column(res4, "model-1").get("passed_required").asBoolean()).isTrue();
        assertThat(res4.get("criteria").get(3).get("required").asBoolean()).isTrue();
    }

    @Test
    void testsAGradescopeResultsFileOrJunitReportsNameBecomeTheRows() throws Exception {
        repository();
        write("grader/run.sh", """
                #!/bin/sh
                mkdir -p /autograder/results reports
                if [ "$(sh calc/calc.sh 2 3)" = 5 ]; then s=passed; p=2; f=""; else s=failed; p=0; f="<failure message='2 + 3'>got $(sh calc/calc.sh 2 3)</failure>"; fi
                cat > /autograder/results/results.json <<END
                {"tests": [{"name": "adds", "score": $p, "max_score": 2, "status": "$s", "output": "2 + 3"},
                           {"name": "runs", "score": 1, "max_score": 1, "status": "passed"}]}
                END
                cat > reports/TEST-calc.xml <<END
                <testsuite name="calc"><testcase classname="calc" name="adds">$f</testcase><testcase classname="calc" name="runs"/></testsuite>
                END
                """);
        String common = "\"image_tag\": \"" + IMAGE + "\", \"files\": [\"calc/\", \"grader/\"], \"original\": true, "
                + "\"golden\": \"patches/golden.patch\", \"criteria\": [{\"id\": \"autograder\", \"command\": \"sh grader/run.sh\"}], ";
        Task t = task();
        step(t, "gradescope", "{\"docker_rubrics\": {" + common + "\"verdict\": {\"results_json\": \"/autograder/results/results.json\"}}}");
        step(t, "junit", "{\"docker_rubrics\": {" + common + "\"verdict\": {\"junit_xml\": \"reports/*.xml\"}}}");
        RunResult r = ts.run(t.id());
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        JsonNode gs = results(r, "gradescope");
        assertThat(gs.get("criteria").findValuesAsText("id")).containsExactly("adds", "runs");
        JsonNode original = column(gs, "original");
        assertThat(original.get("score").asDouble()).isEqualTo(1);
        assertThat(original.get("max_score").asDouble()).isEqualTo(3);
        assertThat(original.get("cells").get("adds").get("passed").asBoolean()).isFalse();
        assertThat(original.get("cells").get("adds").get("output").asText()).isEqualTo("2 + 3");
        assertThat(column(gs, "golden").get("score").asDouble()).isEqualTo(3);
        assertThat(gs.get("does_not_discriminate")).extracting(JsonNode::asText).containsExactly("runs");
        assertThat(gs.get("broken")).isEmpty();
        JsonNode junit = results(r, "junit");
        assertThat(junit.get("criteria").findValuesAsText("id")).containsExactly("calc.adds", "calc.runs");
        JsonNode adds = column(junit, "original").get("cells").get("calc.adds");
        assertThat(adds.get("passed").asBoolean()).isFalse();
        assertThat(adds.get("output").asText()).contains("2 + 3").contains("got -1");
        assertThat(column(junit, "golden").get("cells").get("calc.adds").get("passed").asBoolean()).isTrue();
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }

    @Test
    void withoutParallelTheColumnsGradedAtOnceAreTheRunsConcurrency() throws Exception {
        repository();
        // Each column's container waits until the test lets it go: how many wait together is how many are graded at once.
        String settings = "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", \"files\": [\"calc/\"], "
                + "\"solutions\": \"solutions/*.patch\", \"golden\": \"patches/golden.patch\", \"original\": true, "
                + "\"criteria\": [{\"id\": \"waits\", \"command\": \"while [ ! -e /tmp/go ]; do sleep 0.05; done\"}]}}";
        assertThat(mostAtOnce(settings, 1)).isEqualTo(1);
        // 4 columns get containers (model-3's patch does not apply): with concurrency 3, 3 at once.
        assertThat(mostAtOnce(settings, 3)).isEqualTo(3);
    }

    /** Runs a fresh task of the step with {@code concurrency}, letting each container go once it is seen; the most seen at once. */
    private int mostAtOnce(String settings, int concurrency) throws Exception {
        Task t = task();
        step(t, "grade", settings);
        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> ts.run(t.id(), RunOptions.defaults().withConcurrency(concurrency)));
        Set<String> released = new HashSet<>();
        AtomicInteger most = new AtomicInteger();
        try {
            await("the grading run ended", Duration.ofSeconds(240), () -> {
                List<String> live = new ArrayList<>();
                for (String id : DockerTestSupport.labelled(docker, ts, t.id(), null)) {
                    if (!released.contains(id) && running(id)) {
                        live.add(id);
                    }
                }
                most.accumulateAndGet(live.size(), Math::max);
                // Below the concurrency, wait for more to start (up to the columns left); at it, let them all go.
                if (!live.isEmpty() && (live.size() >= concurrency || released.size() + live.size() == 4)) {
                    live.forEach(GradingMatrixIT::letGo);
                    released.addAll(live);
                }
                return run.isDone();
            });
        } finally {
            if (!run.isDone()) { // failing: let every container go, so that the run ends and removes them
                DockerTestSupport.labelled(docker, ts, t.id(), null).forEach(GradingMatrixIT::letGo);
            }
        }
        RunResult r = run.get(60, TimeUnit.SECONDS);
        assertThat(result(r, "grade").status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
        assertThat(results(r, "grade").get("containers_started").asInt()).isEqualTo(4);
        assertThat(released).hasSize(4);
        return most.get();
    }

    /** Whether a listed container still runs: between the listing and this look, one may have been removed. */
    private static boolean running(String containerId) {
        try {
            return Boolean.TRUE.equals(docker.client().inspectContainerCmd(containerId).exec().getState().getRunning());
        } catch (NotFoundException gone) {
            return false;
        }
    }

    private static void letGo(String containerId) {
        try {
            String exec = docker.client().execCreateCmd(containerId).withCmd("touch", "/tmp/go").exec().getId();
            docker.client().execStartCmd(exec).exec(new ResultCallback.Adapter<>()).awaitCompletion(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException gone) {
            // it ended meanwhile
        }
    }

    @Test
    void aCriterionThatTriesTheNetworkFailsUnderTheDefaultLimits() throws Exception {
        write("calc/calc.sh", ORIGINAL);
        // A network of this test's own (no traffic leaves the machine): on it the container has an interface.
        String network = "tsd-grading19-net-" + System.nanoTime();
        docker.client().createNetworkCmd().withName(network).exec();
        try {
            String criteria = "\"files\": [\"calc/\"], \"original\": true, \"criteria\": [{\"id\": \"net\", \"command\": "
                    + "\"grep -q eth0: /proc/net/dev && echo online\"}]";
            Task t = task();
            step(t, "sandboxed", "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", " + criteria + "}}");
            step(t, "networked", "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", \"limits\": {\"network\": \""
                    + network + "\"}, " + criteria + "}}");
            RunResult r = ts.run(t.id());
            assertThat(r.succeeded()).as(r.toString()).isTrue();
            JsonNode sandboxed = column(results(r, "sandboxed"), "original").get("cells").get("net");
            assertThat(sandboxed.get("passed").asBoolean()).as(sandboxed.toString()).isFalse();
            JsonNode networked = column(results(r, "networked"), "original").get("cells").get("net");
            assertThat(networked.get("passed").asBoolean()).as(networked.toString()).isTrue();
            assertThat(networked.get("output").asText()).contains("online");
            // The host's network is not offered.
            assertThat(Assertions.catchThrowable(() -> step(t, "host",
                    "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", \"limits\": {\"network\": \"host\"}, " + criteria + "}}")))
                    .hasMessageContaining("limits.network");
        } finally {
            docker.client().removeNetworkCmd(network).exec();
        }
    }

    @Test
    void aForkBombHitsThePidsLimitAndTheStepStillEnds() throws Exception {
        write("calc/calc.sh", ORIGINAL);
        Task t = task();
        step(t, "bomb", "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", \"files\": [\"calc/\"], \"original\": true, "
                + "\"limits\": {\"pids\": 64, \"cpus\": 0.5}, \"criterion_timeout_seconds\": 5, \"criteria\": ["
                + "{\"id\": \"bomb\", \"command\": \"b(){ b | b & }; b; sleep 60\"},"
                + "{\"id\": \"after\", \"command\": \"echo still here\"}]}}");
        RunResult r = ts.run(t.id());
        assertThat(result(r, "bomb").status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
        JsonNode cells = column(results(r, "bomb"), "original").get("cells");
        assertThat(cells.get("bomb").get("passed").asBoolean()).isFalse();
        assertThat(cells.get("bomb").get("output").asText()).containsIgnoringCase("fork");
        JsonNode after = cells.get("after");
        assertThat(after.get("passed").asBoolean()).as(after.toString()).isTrue();
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }

    @Test
    void aStoppedGradingEndsAtOnceAndRemovesTheContainerOfEveryColumn() throws Exception {
        repository();
        DockerRubricsStepType type = new DockerRubricsStepType(docker);
        DockerRubrics settings = type.parse(new JsonSettings(new ObjectMapper().readTree("{\"image_tag\": \"" + IMAGE
                + "\", \"files\": [\"calc/\"], \"solutions\": \"solutions/*.patch\", \"original\": true, \"parallel\": 4, "
                + "\"criteria\": [{\"id\": \"slow\", \"command\": \"echo started; sleep 600\"}]}"), "$.docker_rubrics"));
        int task = 919_000 + (int) (System.nanoTime() % 1_000);
        StepStopIT.Flag flag = new StepStopIT.Flag();
        TestContext<DockerRubrics> context = new TestContext<>(task, 1, dir, settings, flag);
        StepStopIT.Running run = new StepStopIT.Running(flag, context.lines(), type, context);
        List<String> started = List.of("[model-1 × slow] started", "[model-2 × slow] started", "[original × slow] started");
        await("every cell's criterion started", () -> context.lines().containsAll(started));
        assertThat(context.lines()).containsAll(started);
        run.stop();
        StepOutcome o = run.await();
        assertThat(o.succeeded()).isFalse();
        assertThat(o.error()).contains("cancelled");
        assertThat(DockerTestSupport.labelledOutsideAStore(docker, task, 1)).isEmpty();
    }

    @Test
    void markersJudgeTheOutputAndAHeldOutDirectoryIsCopiedOverEveryColumn() throws Exception {
        repository();
        write("held_out/calc/tests/test_add.sh", "#!/bin/sh\n[ \"$(sh calc/calc.sh 10 4)\" = 14 ] && echo '#__PASS__#' || echo '#__FAIL__#'\n");
        Task t = task();
        step(t, "markers", "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", \"files\": [\"calc/\"], \"original\": true, "
                + "\"golden\": \"patches/golden.patch\", \"held_out_tests\": \"held_out/\", "
                + "\"verdict\": {\"pass_marker\": \"#__PASS__#\", \"fail_marker\": \"#__FAIL__#\"}, \"criteria\": ["
                + "{\"id\": \"held_out\", \"command\": \"sh calc/tests/test_add.sh\"},"
                + "{\"id\": \"marker_beats_exit\", \"command\": \"echo '#__PASS__#'; exit 3\"},"
                + "{\"id\": \"fail_marker_wins\", \"command\": \"echo '#__PASS__#'; echo '#__FAIL__#'\"},"
                + "{\"id\": \"no_marker\", \"command\": \"true\"}]}}");
        RunResult r = ts.run(t.id());
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        JsonNode res = results(r, "markers");
        assertRow4(res, "original", "held_out", false, "marker_beats_exit", true, "fail_marker_wins", false, "no_marker", false);
        assertRow4(res, "golden", "held_out", true, "marker_beats_exit", true, "fail_marker_wins", false, "no_marker", false);
        assertThat(column(res, "golden").get("cells").get("marker_beats_exit").get("exit_code").asInt()).isEqualTo(3);
        assertThat(res.get("broken")).extracting(JsonNode::asText).containsExactly("fail_marker_wins", "no_marker");
        assertThat(res.get("does_not_discriminate")).extracting(JsonNode::asText).containsExactly("marker_beats_exit");
    }

    @Test
    void markersAreFoundInTheWholeOutputNotOnlyTheKeptTail() throws Exception {
        write("calc/calc.sh", ORIGINAL);
        // 12 KiB after the marker: more than the 8 KiB tail results keep.
        String more = "i=0; while [ $i -lt 300 ]; do echo 0123456789012345678901234567890123456789; i=$((i+1)); done";
        Task t = task();
        step(t, "markers", "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", \"files\": [\"calc/\"], \"original\": true, "
                + "\"verdict\": {\"pass_marker\": \"#__PASS__#\", \"fail_marker\": \"#__FAIL__#\"}, \"criteria\": ["
                + "{\"id\": \"pass_then_more\", \"command\": \"echo '#__PASS__#'; " + more + "\"},"
                + "{\"id\": \"pass_on_stderr_then_more\", \"command\": \"echo '#__PASS__#' >&2; (" + more + ") >&2\"},"
                + "{\"id\": \"fail_then_more_then_pass\", \"command\": \"echo '#__FAIL__#'; " + more + "; echo '#__PASS__#'\"}]}}");
        RunResult r = ts.run(t.id());
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        JsonNode res = results(r, "markers");
        assertRow4(res, "original", "pass_then_more", true, "pass_on_stderr_then_more", true, "fail_then_more_then_pass", false);
        // The tail kept in results no longer holds the marker that judged it.
        assertThat(column(res, "original").get("cells").get("pass_then_more").get("output").asText()).doesNotContain("#__PASS__#");
    }

    private static void assertRow4(JsonNode res, String name, Object... cells) {
        JsonNode c = column(res, name);
        for (int i = 0; i < cells.length; i += 2) {
            JsonNode cell = c.get("cells").get((String) cells[i]);
            assertThat(cell.get("passed").asBoolean()).as(name + " × " + cells[i] + ": " + cell).isEqualTo(cells[i + 1]);
        }
    }

    @Test
    void badMatrixSettingsNameTheField() {
        Task t = task();
        assertThat(Assertions.catchThrowable(() -> step(t, "x",
                "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", \"files\": [\"calc/\"], \"solutions\": [{\"name\": \"golden\", \"patch\": \"a.patch\"}], \"criteria\": [{\"command\": \"true\"}]}}")))
                .hasMessageContaining("solutions[0].name");
        assertThat(Assertions.catchThrowable(() -> step(t, "y",
                "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", \"files\": [\"calc/\"], \"original\": true, \"limits\": {\"pids\": 0}, \"criteria\": [{\"command\": \"true\"}]}}")))
                .hasMessageContaining("limits.pids");
        assertThat(Assertions.catchThrowable(() -> step(t, "z",
                "{\"docker_rubrics\": {\"image_tag\": \"" + IMAGE + "\", \"files\": [\"calc/\"], \"original\": true}}")))
                .hasMessageContaining("criteria");
        assertThat(ts.steps(t.id())).isEmpty();
    }

    private static List<String> names(JsonNode res) {
        return res.get("solutions").findValuesAsText("name");
    }

    private static JsonNode column(JsonNode res, String name) {
        for (JsonNode c : res.get("solutions")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no column " + name + " in " + res);
    }

    private static void assertRow(JsonNode res, String name, double score, boolean required, Object... cells) {
        JsonNode c = column(res, name);
        assertThat(c.get("score").asDouble()).as(name + " score in " + c).isEqualTo(score);
        assertThat(c.get("max_score").asDouble()).isEqualTo(8);
        assertThat(c.get("passed_required").asBoolean()).isEqualTo(required);
        for (int i = 0; i < cells.length; i += 2) {
            JsonNode cell = c.get("cells").get((String) cells[i]);
            assertThat(cell.get("passed").asBoolean()).as(name + " × " + cells[i] + ": " + cell).isEqualTo(cells[i + 1]);
        }
    }

    /** Containers the engine created for the task since the class started, counted from its events. */
    private int createdContainers(int taskId) throws InterruptedException {
        List<Event> events = new CopyOnWriteArrayList<>();
        String until = String.valueOf(System.currentTimeMillis() / 1000 + 1);
        ResultCallback.Adapter<Event> callback = docker.client().eventsCmd().withSince(String.valueOf(since)).withUntil(until)
                .withEventFilter("create").withLabelFilter(Map.of(DockerStepTypes.LABEL_TASK, String.valueOf(taskId), DockerStepTypes.LABEL_STORE, ts.storeId()))
                .exec(new ResultCallback.Adapter<>() {
                    @Override
                    public void onNext(Event e) {
                        events.add(e);
                    }
                });
        assertThat(callback.awaitCompletion(60, TimeUnit.SECONDS)).isTrue();
        return events.size();
    }
}
