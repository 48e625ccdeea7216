package dev.tasksync.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.GradingMatrix;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The grading matrix of a docker_rubrics step in the console: its page and the JSON API (real DB, real HTTP). */
class ConsoleMatrixIT {
    static final String XSS = "<script>alert('x')</script>";
    /** Results as docker_rubrics stores them: 3 criteria (one required) × model-1, model-2 (patch did not apply), O, G. */
    static final String RESULTS = """
            {"criteria": [{"id": "runs", "title": "runs", "points": 2, "required": true},
                          {"id": "adds", "title": "adds", "points": 3, "required": false},
                          {"id": "XSS", "title": "XSS", "points": 1, "required": false}],
             "solutions": [
               {"name": "model-1", "kind": "solution", "score": 5, "max_score": 6, "passed_required": true,
                "cells": {"runs": {"passed": true}, "adds": {"passed": true}, "XSS": {"passed": false, "timed_out": true}}},
               {"name": "model-2", "kind": "solution", "score": 0, "max_score": 6, "passed_required": false, "error": "patch XSS does not apply",
                "cells": {"runs": {"passed": false, "error": "x"}, "adds": {"passed": false, "error": "x"}, "XSS": {"passed": false, "error": "x"}}},
               {"name": "original", "kind": "original", "score": 2, "max_score": 6, "passed_required": true,
                "cells": {"runs": {"passed": true}, "adds": {"passed": false}, "XSS": {"passed": false}}},
               {"name": "golden", "kind": "golden", "score": 5, "max_score": 6, "passed_required": true,
                "cells": {"runs": {"passed": true}, "adds": {"passed": true}, "XSS": {"passed": false}}}],
             "broken": ["XSS"], "does_not_discriminate": ["runs"]}
            """.replace("XSS", XSS);
    @RegisterExtension
    final ConsoleHarness web = ConsoleHarness.withStepTypes(new GradedRubricType(), new TestSteps.SleepType());

    static Step gradedStep(TaskSync ts, Task t) {
        Step s = ts.createStep(t.id(), "grade", "{\"docker_rubrics\": {\"results\": " + RESULTS + "}}");
        RunResult r = ts.run(t.id());
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        return ts.step(s.id());
    }

    @Test
    void theMatrixPageShowsEveryCellTotalsAndFlagsEscaped() {
        Task t = web.ts.createTask("grading");
        Step step = gradedStep(web.ts, t);
        HttpSession s = new HttpSession(web.console);
        assertThat(s.get("/steps/" + step.id()).body()).contains("href=\"/steps/" + step.id() + "/matrix\"");
        HttpResponse<String> page = s.get("/steps/" + step.id() + "/matrix");
        assertThat(page.statusCode()).isEqualTo(200);
        String html = page.body();
        assertThat(html).doesNotContain(XSS).contains("&lt;script&gt;");
        // Columns: the solutions by name, then O and G; a row per criterion; the totals with "!" where a required one failed.
        assertThat(html).contains("<th title=\"model-1\">model-1</th>").contains("<th title=\"original\">O</th>")
                .contains("<th title=\"golden\">G</th>");
        assertThat(html).contains("2 <span class=\"required\">required</span>");
        assertThat(html).contains("class=\"cell passed\" title=\"passed\">✔")
                .contains("class=\"cell failed\" title=\"failed\">✘")
                .contains("class=\"cell timed_out\" title=\"timed_out\">⏱")
                .contains("class=\"cell not_graded\" title=\"not_graded\">?");
        assertThat(html).contains("5/6").contains("0/6 !").contains("2/6");
        assertThat(html).contains("id=\"broken\"").contains("id=\"does-not-discriminate\"").contains("(pass on original): runs");
        assertThat(html).contains("does not apply");
    }

    @Test
    void theApiServesTheShapeOfReportJson() {
        Task t = web.ts.createTask("grading");
        Step step = gradedStep(web.ts, t);
        Step other = web.ts.createStep(t.id(), "nap", "{\"sleep\": {\"millis\": 1}}");
        HttpSession s = new HttpSession(web.console);
        JsonNode report = HttpSession.json(s.get("/api/tasks/" + t.id() + "/report"));
        // The same JSON as task-sync report --json (GradingMatrix.report), rubric steps only.
        assertThat(report).isEqualTo(GradingMatrix.report(web.ts.task(t.id()), web.ts.steps(t.id())));
        assertThat(report.get("steps")).hasSize(1);
        JsonNode matrix = HttpSession.json(s.get("/api/steps/" + step.id() + "/matrix"));
        assertThat(matrix).isEqualTo(report.get("steps").get(0));
        assertThat(matrix.get("columns").findValuesAsText("name")).containsExactly("model-1", "model-2", "original", "golden");
        JsonNode runs = matrix.get("rows").get(0);
        assertThat(runs.get("required").asBoolean()).isTrue();
        assertThat(runs.get("cells").get("model-1").asText()).isEqualTo("passed");
        assertThat(runs.get("cells").get("model-2").asText()).isEqualTo("not_graded");
        assertThat(matrix.get("rows").get(2).get("cells").get("model-1").asText()).isEqualTo("timed_out");
        assertThat(matrix.get("broken").get(0).asText()).isEqualTo(XSS);
        HttpResponse<String> notRubric = s.get("/api/steps/" + other.id() + "/matrix");
        assertThat(notRubric.statusCode()).isEqualTo(400);
        assertThat(HttpSession.json(notRubric).get("error").asText()).contains("docker_rubrics");
        assertThat(s.get("/api/steps/999999/matrix").statusCode()).isEqualTo(404);
    }
}
