package dev.tasksync;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The shapes the CLI's --json and the console's /api share: column names, ISO-8601 times, nulls kept. (Read back
 * from text, so that a long and an int of one value compare equal.) */
class JsonShapesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OffsetDateTime T = OffsetDateTime.parse("2026-12-01T22:00:00Z");

    @Test
    void aWorkerHasTheColumnsOfTheWorkersTable() throws Exception {
        RegisteredWorker w = new RegisteredWorker("w-1", "host-a", List.of("gpu", "region=eu"), null, T, T.plusSeconds(5), null, true);
        assertThat(JSON.readTree(JsonShapes.worker(w).toString())).isEqualTo(JSON.readTree("""
                {"id": "w-1", "host": "host-a", "labels": ["gpu", "region=eu"], "docker_engine": null,
                 "started_at": "2026-12-01T22:00Z", "last_heartbeat": "2026-12-01T22:00:05Z", "stopped_at": null,
                 "live": true}"""));
    }

    @Test
    void anAttemptHasTheColumnsOfTheStepRunsTable() throws Exception {
        StepRun r = new StepRun(7, 3, 2, "cli-1", T, T.plusSeconds(1), "failed", "kaput", "last line");
        assertThat(JSON.readTree(JsonShapes.attempt(r).toString())).isEqualTo(JSON.readTree("""
                {"id": 7, "step_id": 3, "attempt": 2, "worker_id": "cli-1", "started_at": "2026-12-01T22:00Z",
                 "finished_at": "2026-12-01T22:00:01Z", "outcome": "failed", "error": "kaput", "log_tail": "last line"}"""));
    }
}
