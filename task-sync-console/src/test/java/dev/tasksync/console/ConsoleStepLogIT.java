package dev.tasksync.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.LogLine;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The step page's full log per attempt and {@code /api/steps/{id}/log}, which a page follows a running attempt with. */
class ConsoleStepLogIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final ConsoleHarness web = ConsoleHarness.withStepTypes(new WaitForFileType());
    Thread run;

    @AfterEach
    void release() throws Exception { // before the harness closes the console
        Files.writeString(dir.resolve("release"), "go");
        if (run != null) {
            run.join();
        }
    }

    @Test
    void aRunningAttemptsLogIsShownEscapedAndFollowedUntilItEnds() throws Exception {
        Path release = dir.resolve("release");
        Task t = web.ts.save(TaskDefinition.named("waits").step("wait", WaitForFileType.settings(release)).build());
        int stepId = web.ts.steps(t.id()).get(0).id();
        HttpSession s = new HttpSession(web.console);
        assertThat(s.get("/steps/" + stepId).body()).contains("not run yet: no log");

        run = new Thread(() -> web.ts.run(t.id()), "test-run");
        run.start();
        Awaits.until(() -> web.ts.history(stepId).size() == 1 && firstLineStored(stepId));

        JsonNode first = HttpSession.json(s.get("/api/steps/" + stepId + "/log?attempt=1"));
        assertThat(first.get("lines")).hasSize(1);
        assertThat(first.get("lines").get(0).get("text").asText()).isEqualTo(WaitForFileType.FIRST_LINE + ConsoleBrowserIT.XSS);
        assertThat(first.get("lines").get(0).get("stream").asText()).isEqualTo("stdout");
        assertThat(first.get("next").asInt()).isEqualTo(1);
        assertThat(first.get("finished").asBoolean()).isFalse();
        String page = s.get("/steps/" + stepId).body();
        assertThat(page).contains("id=\"log-1\"").contains("data-follow=\"true\"").contains("data-lines=\"1\"")
                .contains("&lt;script&gt;").doesNotContain(ConsoleBrowserIT.XSS)
                .contains("<script type=\"module\" src=\"/static/step-log.js\"></script>");
        assertThat(web.ts.step(stepId).status()).isEqualTo(StepStatus.ACTIVE);

        Files.writeString(release, "go");
        Awaits.until(() -> web.ts.step(stepId).status() == StepStatus.COMPLETED);
        JsonNode rest = HttpSession.json(s.get("/api/steps/" + stepId + "/log?attempt=1&from=1"));
        assertThat(rest.get("lines")).hasSize(1);
        assertThat(rest.get("lines").get(0).get("text").asText()).isEqualTo(WaitForFileType.LAST_LINE);
        assertThat(rest.get("finished").asBoolean()).isTrue();
        assertThat(s.get("/steps/" + stepId).body()).contains("data-follow=\"false\"").contains(WaitForFileType.LAST_LINE);
        assertThat(s.get("/static/step-log.js").body()).contains("createTextNode").doesNotContain("innerHTML");

        assertThat(s.get("/api/steps/" + stepId + "/log?attempt=2").statusCode()).isEqualTo(404);
        assertThat(HttpSession.json(s.get("/api/steps/" + stepId + "/log?attempt=1&from=-1")).get("error").asText()).startsWith("from:");
        assertThat(s.get("/api/openapi.yaml").body()).contains("/api/steps/{id}/log:");
    }

    private boolean firstLineStored(int stepId) {
        try (Stream<LogLine> lines = web.ts.logs(stepId, 1)) {
            return lines.findAny().isPresent();
        }
    }
}
