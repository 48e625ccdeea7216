package dev.tasksync.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.LogLine;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The step page's full log per attempt and {@code /api/steps/{id}/log}, which a page follows a running attempt with. */
class ConsoleStepLogIT {
    @TempDir
    Path dir;
    TaskSync ts;
    RunningConsole console;
    Thread run;

    @BeforeEach
    void open() {
        ts = TestDatabase.builder().stepType(new WaitForFileType()).build();
        console = Console.start(ts, ConsoleOptions.defaults().withPort(0));
    }

    @AfterEach
    void close() throws Exception {
        Files.writeString(dir.resolve("release"), "go");
        if (run != null) {
            run.join();
        }
        console.close();
        ts.close();
    }

    @Test
    void aRunningAttemptsLogIsShownEscapedAndFollowedUntilItEnds() throws Exception {
        Path release = dir.resolve("release");
        Task t = ts.save(TaskDefinition.named("waits").step("wait", WaitForFileType.settings(release)).build());
        int stepId = ts.steps(t.id()).get(0).id();
        HttpSession s = new HttpSession(console);
        assertThat(s.get("/steps/" + stepId).body()).contains("not run yet: no log");

        run = new Thread(() -> ts.run(t.id()), "test-run");
        run.start();
        Awaits.until(() -> ts.history(stepId).size() == 1 && firstLineStored(stepId));

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
        assertThat(ts.step(stepId).status()).isEqualTo(StepStatus.ACTIVE);

        Files.writeString(release, "go");
        Awaits.until(() -> ts.step(stepId).status() == StepStatus.COMPLETED);
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
        try (Stream<LogLine> lines = ts.logs(stepId, 1)) {
            return lines.findAny().isPresent();
        }
    }
}
