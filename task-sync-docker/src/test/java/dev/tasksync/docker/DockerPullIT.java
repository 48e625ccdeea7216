package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.RunResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.MovableClock;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** No registry is reachable here: pulls fail, so these tests cover everything around the pull itself. */
class DockerPullIT extends DockerITBase {
    static final String UNREACHABLE = "127.0.0.1:1/tsd/nothing:1";

    @Test
    void aFailedPullNamesTheImageAndTheEngine() {
        Task t = task();
        step(t, "pull", "{\"docker_pull\": {\"image_tag\": \"" + UNREACHABLE + "\"}}");
        RunResult r = ts.run(t.id());
        assertThat(result(r, "pull").status()).isEqualTo(StepStatus.FAILED);
        assertThat(results(r, "pull").get("error").asText())
                .contains("pulling image '" + UNREACHABLE + "' failed").contains(docker.host());
    }

    @Test
    void preventRunBeforeIsHonouredAndTheLocalImageIsChecked() {
        String full = docker.client().inspectImageCmd(image).exec().getId();
        String future = Instant.now().plus(Duration.ofDays(365)).toString();
        Task t = task();
        step(t, "matches", "{\"docker_pull\": {\"image_tag\": \"" + image + "\", \"prevent_run_before\": \"" + future
                + "\", \"image_id\": \"" + full.substring(7, 19) + "\"}}");
        step(t, "differs", "{\"docker_pull\": {\"image_tag\": \"" + image + "\", \"prevent_run_before\": \"" + future
                + "\", \"image_id\": \"sha256:0123456789abcdef\"}}");
        RunResult r = ts.run(t.id());
        completedWithTheImage(r, "matches", false, full);
        assertThat(result(r, "differs").status()).isEqualTo(StepStatus.FAILED);
        assertThat(results(r, "differs").get("error").asText()).contains(full).contains("sha256:0123456789abcdef");
    }

    @Test
    void theStepBecomesDueOncePreventRunBeforeHasPassed() {
        Instant t0 = Instant.parse("2030-01-01T00:00:00Z");
        MovableClock clock = new MovableClock(t0);
        try (TaskSync pulls = TestDatabase.builder().stepType(new DockerPullStepType(docker, clock)).build()) {
            Task t = pulls.createTask("pull-later", "new", dir.toString());
            pulls.createStep(t.id(), "pull", "{\"docker_pull\": {\"image_tag\": \"" + UNREACHABLE
                    + "\", \"prevent_run_before\": \"2030-01-01T01:00:00Z\"}}");
            RunResult first = pulls.run(t.id());
            assertThat(result(first, "pull").status()).isEqualTo(StepStatus.COMPLETED);
            assertThat(results(first, "pull").get("pulled").asBoolean()).isFalse();

            clock.set(t0.plus(Duration.ofMinutes(30)));
            assertThat(result(pulls.run(t.id()), "pull").executed()).isFalse();

            clock.set(t0.plus(Duration.ofHours(2)));
            assertThat(pulls.plan(t.id()).steps().get(0).reason()).contains("prevent_run_before").contains("has passed");
            RunResult due = pulls.run(t.id());
            assertThat(result(due, "pull").executed()).isTrue();
            assertThat(results(due, "pull").get("error").asText()).contains("pulling image '" + UNREACHABLE + "' failed");
        }
    }

    @Test
    void pullsFromARegistryChecksTheIdAndMovesPreventRunBeforeForward() throws Exception {
        Instant t0 = Instant.parse("2030-01-01T00:00:00Z");
        MovableClock clock = new MovableClock(t0);
        try (TinyRegistry registry = new TinyRegistry();
             TaskSync pulls = TestDatabase.builder().stepType(new DockerPullStepType(docker, clock)).build()) {
            String id = registry.serve(docker, image, "tsd/pulled", "1");
            String ref = registry.address() + "/tsd/pulled:1";
            Task t = pulls.createTask("pull-ok", "new", dir.toString());
            pulls.createStep(t.id(), "pull", "{\"docker_pull\": {\"image_tag\": \"" + ref + "\", \"image_id\": \"" + id
                    + "\", \"prevent_run_before\": \"2029-12-31T00:00:00Z\", \"pull_interval\": \"PT6H\"}}");
            Task other = pulls.createTask("pull-wrong-id", "new", dir.toString());
            pulls.createStep(other.id(), "wrong id", "{\"docker_pull\": {\"image_tag\": \"" + ref + "\", \"image_id\": \"sha256:0123456789abcdef\"}}");
            try {
                RunResult r = pulls.run(t.id());
                JsonNode ok = completedWithTheImage(r, "pull", true, id);
                assertThat(ok.get("prevent_run_before").asText()).isEqualTo("2030-01-01T06:00Z");
                assertThat(docker.client().inspectImageCmd(ref).exec().getId()).isEqualTo(id);
                RunResult wrong = pulls.run(other.id());
                assertThat(result(wrong, "wrong id").status()).isEqualTo(StepStatus.FAILED);
                assertThat(results(wrong, "wrong id").get("error").asText()).contains(id).contains("sha256:0123456789abcdef");

                int requests = registry.manifestRequests.get();
                clock.set(t0.plus(Duration.ofHours(5)));
                assertThat(result(pulls.run(t.id()), "pull").executed()).isFalse();
                assertThat(registry.manifestRequests.get()).isEqualTo(requests);

                clock.set(t0.plus(Duration.ofHours(7)));
                assertThat(pulls.plan(t.id()).steps().get(0).reason()).contains("2030-01-01T06:00Z has passed");
                RunResult again = pulls.run(t.id());
                assertThat(result(again, "pull").executed()).isTrue();
                assertThat(results(again, "pull").get("prevent_run_before").asText()).isEqualTo("2030-01-01T13:00Z");
            } finally {
                DockerTestSupport.removeImage(docker, ref);
            }
        }
    }

    /** Asserts that step {@code title} completed with image {@code id}, pulled or found; returns its results. */
    private static JsonNode completedWithTheImage(RunResult r, String title, boolean pulled, String id) {
        JsonNode results = results(r, title);
        assertThat(result(r, title).status()).as(r.toString()).isEqualTo(StepStatus.COMPLETED);
        assertThat(results.get("pulled").asBoolean()).isEqualTo(pulled);
        assertThat(results.get("image_id").asText()).isEqualTo(id);
        assertThat(results.get("image_id_matches").asBoolean()).isTrue();
        return results;
    }
}
