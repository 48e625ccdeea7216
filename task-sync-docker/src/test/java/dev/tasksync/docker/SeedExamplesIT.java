package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.RunResult;
import dev.tasksync.Step;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The specification's JSON examples for the Docker types, created verbatim through createStep; only image names
 * are changed to locally built ones (and the settings examples' depends_on ids 101..103 to real step ids).
 */
class SeedExamplesIT extends DockerITBase {
    static final String APP = "tsd-my-custom-app:latest";
    static final String CLI_APP = "tsd-my-app:1.0";
    static final String GRADER = "tsd-grader-env:v2";
    static final String PY_GRADER = "tsd-python-grader:latest";

    @BeforeAll
    static void graders() throws IOException {
        if (unavailable != null) {
            return;
        }
        DockerTestSupport.buildImage(docker, Files.createTempDirectory("grader"), GRADER,
                "CMD [\"sh\", \"-c\", \"test -f /workspace/student_submission.py && grep -q pass /workspace/tests/expected.txt\"]");
        DockerTestSupport.buildImage(docker, Files.createTempDirectory("pygrader"), PY_GRADER,
                "CMD [\"sh\", \"-c\", \"grep -q 42 /workspace/submission/answer.txt\"]");
    }

    @AfterAll
    static void removeImages() {
        if (unavailable != null) {
            return;
        }
        for (String tag : new String[]{APP, CLI_APP, GRADER, PY_GRADER}) {
            DockerTestSupport.removeImage(docker, tag);
        }
    }

    /** local_path with a Dockerfile for an image holding ./my_app, ./run.sh and /app/config.yml. */
    private void appSources() throws IOException {
        DockerTestSupport.context(dir, "COPY my_app /my_app", "COPY run.sh /run.sh", "COPY app/ /app/", "WORKDIR /");
        write("my_app", "#!/bin/sh\necho \"my_app ran with $*\"\n");
        write("run.sh", "#!/bin/sh\necho run.sh ran\n");
        dir.resolve("my_app").toFile().setExecutable(true);
        dir.resolve("run.sh").toFile().setExecutable(true);
        write("app/config.yml", "greeting: hello\n");
        write("main.go", "package main\n");
        write("go.mod", "module x\n");
        write("go.sum", "\n");
    }

    @Test
    void serviceLoaderFindsTheDockerTypes() {
        try (TaskSync plain = TestDatabase.open()) {
            assertThat(plain.stepTypes()).containsAll(DockerStepTypes.keys());
        }
    }

    @Test
    void cliExamplesRunVerbatim() throws IOException {
        appSources();
        Task task1 = task();
        assertThat(task1.id()).isEqualTo(1);
        Step build = step(task1, "Build App Image", """
                {
                  "docker_build": {
                    "image_tag": "tsd-my-app:1.0",
                    "files": ["Dockerfile", "app/"]
                  }
                }""");
        Step run = step(task1, "Run App Container", """
                {
                  "docker_run": {
                    "image_tag": "tsd-my-app:1.0",
                    "command": ["./run.sh"],
                    "depends_on": [{ "id": 1 }]
                  }
                }""");
        Step shell = step(task1, "Inspect Container", """
                {
                  "docker_shell": {
                    "docker": {
                      "image_tag": "tsd-my-app:1.0"
                    },
                    "command": [
                      { "command": "ls /" }
                    ],
                    "depends_on": [{ "id": 2 }]
                  }
                }""");
        assertThat(build.id()).isEqualTo(1);
        assertThat(run.id()).isEqualTo(2);
        assertThat(run.dependsOn()).containsExactly(1);
        assertThat(shell.dependsOn()).containsExactly(2);

        RunResult r = ts.run(task1.id());
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        assertThat(results(r, "Build App Image").get("image_id").asText()).startsWith("sha256:");
        assertThat(results(r, "Build App Image").get("file_hashes").has("app/config.yml")).isTrue();
        assertThat(results(r, "Run App Container").get("stdout").asText()).isEqualTo("run.sh ran\n");
        assertThat(results(r, "Inspect Container").get("commands").get(0).get("stdout").asText()).contains("app", "run.sh", "bin");

        Task task2 = ts.createTask("grading", "new", dir.toString());
        assertThat(task2.id()).isEqualTo(2);
        write("submission/answer.txt", "42\n");
        step(task2, "Grade Submission", """
                {
                  "docker_rubrics": {
                    "image_tag": "tsd-python-grader:latest",
                    "files": ["submission/"]
                  }
                }""");
        RunResult graded = ts.run(task2.id());
        assertThat(graded.succeeded()).as(graded.toString()).isTrue();
        JsonNode g = results(graded, "Grade Submission");
        assertThat(g.get("score").asDouble()).isEqualTo(1.0);
        assertThat(g.get("max_score").asDouble()).isEqualTo(1.0);
        assertThat(DockerTestSupport.labelled(docker, ts, task1.id(), null)).isEmpty();
        assertThat(DockerTestSupport.labelled(docker, ts, task2.id(), null)).isEmpty();
    }

    @Test
    void settingsExamplesRunVerbatim() throws IOException {
        appSources();
        write("student_submission.py", "print('hi')\n");
        write("tests/expected.txt", "pass\n");
        Task t = task();
        Step first = step(t, "sources present", "{\"file_exists\": [\"main.go\", \"go.mod\"]}");
        Step build = step(t, "build", """
                {
                  "docker_build": {
                    "image_tag": "tsd-my-custom-app:latest",
                    "files": [
                      "Dockerfile",
                      "main.go",
                      "go.mod",
                      "go.sum"
                    ],
                    "shell": [
                      "echo 'Starting the build...'"
                    ],
                    "depends_on": [
                      { "id": 101 }
                    ]
                  }
                }""".replace("101", String.valueOf(first.id())));
        Step run = step(t, "run", """
                {
                  "docker_run": {
                    "image_tag": "tsd-my-custom-app:latest",
                    "command": [
                      "./my_app", "--verbose"
                    ],
                    "depends_on": [
                      { "id": 102 }
                    ]
                  }
                }""".replace("102", String.valueOf(build.id())));
        step(t, "shell", """
                {
                  "docker_shell": {
                    "docker": {
                      "image_tag": "tsd-my-custom-app:latest"
                    },
                    "command": [
                      {
                        "command": "ls -la /app"
                      },
                      {
                        "command": "cat /app/config.yml"
                      }
                    ],
                    "depends_on": [
                      { "id": 103 }
                    ]
                  }
                }""".replace("103", String.valueOf(run.id())));
        step(t, "grade", """
                {
                  "docker_rubrics": {
                    "image_tag": "tsd-grader-env:v2",
                    "files": [
                      "student_submission.py",
                      "tests/"
                    ],
                    "depends_on": []
                  }
                }""");
        RunResult r = ts.run(t.id());
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        JsonNode b = results(r, "build");
        assertThat(b.get("shell").get(0).get("stdout").asText()).isEqualTo("Starting the build...\n");
        assertThat(b.get("file_hashes").fieldNames()).toIterable().containsExactlyInAnyOrder("Dockerfile", "main.go", "go.mod", "go.sum");
        assertThat(results(r, "run").get("stdout").asText()).isEqualTo("my_app ran with --verbose\n");
        JsonNode commands = results(r, "shell").get("commands");
        assertThat(commands).hasSize(2);
        assertThat(commands.get(0).get("stdout").asText()).contains("config.yml");
        assertThat(commands.get(1).get("stdout").asText()).isEqualTo("greeting: hello\n");
        assertThat(results(r, "grade").get("passed").asBoolean()).isTrue();

        // The grader image's own command decides: break the submission and it fails.
        write("tests/expected.txt", "nope\n");
        RunResult again = ts.run(t.id());
        assertThat(result(again, "grade").status()).isEqualTo(StepStatus.FAILED);
        assertThat(result(again, "grade").executed()).isTrue();
        assertThat(result(again, "build").executed()).isFalse();
        assertThat(results(again, "grade").get("score").asDouble()).isZero();
        assertThat(DockerTestSupport.labelled(docker, ts, t.id(), null)).isEmpty();
    }
}
