package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.LogLine;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepLog;
import dev.tasksync.spi.StepType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.time.OffsetDateTime;
import java.util.ArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing and writing settings: no engine is contacted (connections are lazy). */
class SettingsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final DockerConnection NOWHERE = DockerConnection.of("unix:///nonexistent/docker.sock");

    static <S> S parse(StepType<S> type, String json) throws Exception {
        return type.parse(new JsonSettings(JSON.readTree(json), "$." + type.key()));
    }

    static <S> InvalidSettingsException error(StepType<S> type, String json) throws Exception {
        JsonNode node = JSON.readTree(json);
        try {
            type.parse(new JsonSettings(node, "$." + type.key()));
        } catch (InvalidSettingsException e) {
            return e;
        }
        throw new AssertionError("accepted " + json);
    }

    @Test
    void dockerBuildReadsEverySettingAndWritesItBack() throws Exception {
        DockerBuildStepType type = new DockerBuildStepType(NOWHERE);
        String json = "{\"image_tag\":\"app:1\",\"files\":[\"Dockerfile\",\"src/\"],\"shell\":[\"echo hi\"],"
                + "\"context\":\"ctx\",\"dockerfile\":\"ctx/Dockerfile.dev\",\"tags\":[\"app:latest\"],"
                + "\"build_args\":{\"V\":\"2\"},\"no_cache\":true}";
        DockerBuild b = parse(type, json);
        assertThat(b.imageTag()).isEqualTo("app:1");
        assertThat(b.files()).containsExactly("Dockerfile", "src/");
        assertThat(b.shell()).containsExactly("echo hi");
        assertThat(b.context()).isEqualTo("ctx");
        assertThat(b.dockerfile()).isEqualTo("ctx/Dockerfile.dev");
        assertThat(b.tags()).containsExactly("app:latest");
        assertThat(b.buildArgs()).containsEntry("V", "2");
        assertThat(b.noCache()).isTrue();
        assertThat(b.toJson()).isEqualTo(JSON.readTree(json));
        assertThat(type.watchedFiles(b)).containsExactly("Dockerfile", "src/");
    }

    @Test
    void dslRecordsWriteTheSeedsJson() throws Exception {
        assertThat(DockerBuild.of("my-app:1.0", "Dockerfile", "app/").toJson())
                .isEqualTo(JSON.readTree("{\"image_tag\": \"my-app:1.0\", \"files\": [\"Dockerfile\", \"app/\"]}"));
        assertThat(DockerRun.of("my-app:1.0", "./run.sh").toJson())
                .isEqualTo(JSON.readTree("{\"image_tag\": \"my-app:1.0\", \"command\": [\"./run.sh\"]}"));
        assertThat(DockerShell.of(DockerShell.Target.image("my-app:1.0"), "ls /").toJson())
                .isEqualTo(JSON.readTree("{\"docker\": {\"image_tag\": \"my-app:1.0\"}, \"command\": [{\"command\": \"ls /\"}]}"));
        assertThat(DockerRubrics.of("python-grader:latest", "submission/").toJson())
                .isEqualTo(JSON.readTree("{\"image_tag\": \"python-grader:latest\", \"files\": [\"submission/\"]}"));
        assertThat(DockerPull.of("alpine:3.20").toJson()).isEqualTo(JSON.readTree("{\"image_tag\": \"alpine:3.20\"}"));
    }

    @Test
    void dslRecordsRoundTripThroughParse() throws Exception {
        DockerRun run = DockerRun.of(null, "sh", "-c", "env").withEnv("A", "1").withWorkingDir("/tmp")
                .withMount("data", "/data", true).withContainerName("svc").withDetach(true).withOkExitCodes(0, 2);
        assertThat(parse(new DockerRunStepType(NOWHERE), run.toJson().toString())).isEqualTo(run);
        DockerShell shell = DockerShell.of(DockerShell.Target.containerNamed("svc"), "ls").withCommand("run_tests", "make test")
                .withWorkingDir("/app").withCommandTimeoutSeconds(3);
        assertThat(parse(new DockerShellStepType(NOWHERE), shell.toJson().toString())).isEqualTo(shell);
        DockerRubrics rubrics = DockerRubrics.of("g:1", "a.py").withCriterion("c1", "Compiles", "true", 2, true)
                .withWorkspace("/w").withCriterionTimeoutSeconds(9);
        assertThat(parse(new DockerRubricsStepType(NOWHERE), rubrics.toJson().toString())).isEqualTo(rubrics);
        DockerPull pull = DockerPull.of("alpine:3.20").withImageId("sha256:" + "ab".repeat(32)).withPullInterval(Duration.ofHours(6))
                .withPreventRunBefore(OffsetDateTime.parse("2030-01-01T00:00:00Z"));
        assertThat(parse(new DockerPullStepType(NOWHERE), pull.toJson().toString())).isEqualTo(pull);
    }

    @Test
    void dockerRunAcceptsEnvAsListMountsAsStringsAndAStringCommand() throws Exception {
        DockerRun r = parse(new DockerRunStepType(NOWHERE),
                "{\"command\": \"echo hi\", \"env\": [\"A=1\", \"B=x=y\"], \"mounts\": [\"data:/data:ro\", \"out:/out\"]}");
        assertThat(r.command()).containsExactly("sh", "-c", "echo hi");
        assertThat(r.env()).isEqualTo(Map.of("A", "1", "B", "x=y"));
        assertThat(r.mounts()).containsExactly(new DockerRun.Mount("data", "/data", true), new DockerRun.Mount("out", "/out", false));
        assertThat(r.isOk(0)).isTrue();
        assertThat(r.isOk(1)).isFalse();
    }

    @Test
    void errorsNameTheField() throws Exception {
        assertThat(error(new DockerBuildStepType(NOWHERE), "{\"files\": [\"a\"]}").getMessage()).contains("$.docker_build.image_tag");
        assertThat(error(new DockerBuildStepType(NOWHERE), "{\"image_tag\": \"a\", \"files\": [\"a\", 3]}").getMessage())
                .contains("$.docker_build.files[1]");
        assertThat(error(new DockerBuildStepType(NOWHERE), "{\"image_tag\": \"a\", \"imagetag\": \"b\"}").getMessage())
                .contains("$.docker_build.imagetag").contains("unknown field");
        assertThat(error(new DockerBuildStepType(NOWHERE), "{\"image_tag\": \"a\", \"no_cache\": \"yes\"}").getMessage())
                .contains("$.docker_build.no_cache");
        assertThat(error(new DockerRunStepType(NOWHERE), "{\"command\": [\"ls\", 1]}").getMessage()).contains("$.docker_run.command[1]");
        assertThat(error(new DockerRunStepType(NOWHERE), "{\"image_tag\": \"a\", \"image_id\": \"0123456789ab\"}").getMessage())
                .contains("$.docker_run").contains("not both");
        assertThat(error(new DockerRunStepType(NOWHERE), "{\"mounts\": [\"a:relative\"]}").getMessage())
                .contains("$.docker_run.mounts[0]").contains("absolute");
        assertThat(error(new DockerRunStepType(NOWHERE), "{\"mounts\": [{\"source\": \"a\"}]}").getMessage())
                .contains("$.docker_run.mounts[0].target");
        assertThat(error(new DockerRunStepType(NOWHERE), "{\"env\": [\"NOEQUALS\"]}").getMessage()).contains("$.docker_run.env[0]");
        assertThat(error(new DockerRunStepType(NOWHERE), "{\"ok_exit_codes\": [\"0\"]}").getMessage()).contains("$.docker_run.ok_exit_codes[0]");
        assertThat(error(new DockerShellStepType(NOWHERE), "{\"command\": [\"ls\"], \"command_timeout_seconds\": 0}").getMessage())
                .contains("$.docker_shell.command_timeout_seconds");
        assertThat(error(new DockerRunStepType(NOWHERE), "{\"container_name\": \"bad name\"}").getMessage()).contains("$.docker_run.container_name");
        assertThat(error(new DockerShellStepType(NOWHERE), "{\"docker\": {\"image_tag\": \"a\"}}").getMessage()).contains("$.docker_shell.command");
        assertThat(error(new DockerShellStepType(NOWHERE), "{\"docker\": {}, \"command\": [\"ls\"]}").getMessage())
                .contains("$.docker_shell.docker").contains("exactly one");
        assertThat(error(new DockerShellStepType(NOWHERE), "{\"docker\": {\"image_tag\": \"a\", \"container_id\": \"b\"}, \"command\": [\"ls\"]}").getMessage())
                .contains("$.docker_shell.docker");
        assertThat(error(new DockerShellStepType(NOWHERE), "{\"command\": [{\"command\": \"ls\", \"other\": \"x\"}]}").getMessage())
                .contains("$.docker_shell.command[0]");
        assertThat(error(new DockerShellStepType(NOWHERE), "{\"command\": [{\"command\": 5}]}").getMessage())
                .contains("$.docker_shell.command[0].command");
        assertThat(error(new DockerShellStepType(NOWHERE), "{\"command\": []}").getMessage()).contains("$.docker_shell.command");
        assertThat(error(new DockerRubricsStepType(NOWHERE), "{\"image_tag\": \"g\", \"criteria\": [{\"id\": \"a\"}]}").getMessage())
                .contains("$.docker_rubrics.criteria[0].command");
        assertThat(error(new DockerRubricsStepType(NOWHERE), "{\"image_tag\": \"g\", \"criteria\": [{\"command\": \"true\", \"points\": -1}]}").getMessage())
                .contains("$.docker_rubrics.criteria[0].points");
        assertThat(error(new DockerRubricsStepType(NOWHERE),
                "{\"image_tag\": \"g\", \"criteria\": [{\"id\": \"a\", \"command\": \"true\"}, {\"id\": \"a\", \"command\": \"true\"}]}").getMessage())
                .contains("$.docker_rubrics.criteria[1].id").contains("duplicate");
        assertThat(error(new DockerRubricsStepType(NOWHERE), "{\"image_tag\": \"g\", \"workspace\": \"rel\"}").getMessage())
                .contains("$.docker_rubrics.workspace");
        assertThat(error(new DockerRubricsStepType(NOWHERE),
                "{\"image_tag\": \"g\", \"rubric\": \"r.md\", \"criteria\": [{\"command\": \"true\"}]}").getMessage()).contains("not both");
        assertThat(error(new DockerPullStepType(NOWHERE), "{\"image_tag\": \"a\", \"prevent_run_before\": \"tomorrow\"}").getMessage())
                .contains("$.docker_pull.prevent_run_before").contains("RFC 3339");
        assertThat(error(new DockerPullStepType(NOWHERE), "{\"image_tag\": \"a\", \"pull_interval\": \"6h\"}").getMessage())
                .contains("$.docker_pull.pull_interval");
        assertThat(error(new DockerPullStepType(NOWHERE), "{}").getMessage()).contains("$.docker_pull.image_tag");
    }

    @Test
    void shellCommandsTakeTheSeedsObjectsLabelledObjectsAndStrings() throws Exception {
        DockerShell s = parse(new DockerShellStepType(NOWHERE),
                "{\"command\": [{\"command\": \"ls -la /app\"}, {\"run_tests\": \"make test\"}, \"echo plain\"]}");
        assertThat(s.target()).isNull();
        assertThat(s.commands()).containsExactly(new DockerShell.Command("command", "ls -la /app"),
                new DockerShell.Command("run_tests", "make test"), new DockerShell.Command("command", "echo plain"));
    }

    @Test
    void rubricsWatchTheirFilesAndTheRubricFile() throws Exception {
        DockerRubricsStepType type = new DockerRubricsStepType(NOWHERE);
        DockerRubrics r = parse(type, "{\"image_tag\": \"g\", \"files\": [\"a.py\", \"tests/\"], \"rubric\": \"rubric.md\"}");
        assertThat(type.watchedFiles(r)).containsExactly("a.py", "tests/", "rubric.md");
        DockerRubrics seed = parse(type, "{\"image_tag\": \"grader-env:v2\", \"files\": [\"student_submission.py\", \"tests/\"]}");
        assertThat(seed.criteria()).isEmpty();
        assertThat(seed.workspace()).isEqualTo("/workspace");
    }

    @Test
    void markdownChecklistBecomesCriteria() {
        List<DockerRubrics.Criterion> c = Rubric.fromMarkdown("""
                # Grading
                Some prose that is ignored.
                - [ ] Compiles (2 points, required): `make build`
                - [x] Tests pass (3.5 pts): `make test`
                * [ ] Has a README: `test -f README.md`
                - [ ] Has a README: `test -s README.md`
                """, "rubric.md");
        assertThat(c).containsExactly(
                new DockerRubrics.Criterion("compiles", "Compiles", "make build", 2, true),
                new DockerRubrics.Criterion("tests_pass", "Tests pass", "make test", 3.5, false),
                new DockerRubrics.Criterion("has_a_readme", "Has a README", "test -f README.md", 1, false),
                new DockerRubrics.Criterion("has_a_readme-2", "Has a README", "test -s README.md", 1, false));
        assertThatThrownBy(() -> Rubric.fromMarkdown("- [ ] no command here\n", "r.md"))
                .hasMessageContaining("r.md:1");
        assertThatThrownBy(() -> Rubric.fromMarkdown("just text\n", "r.md")).hasMessageContaining("no criteria");
    }

    @Test
    void expectedImageIdsMatchFullShortAndDigestForms() {
        String id = "sha256:9bd5720732630ecd68f30fa57f1b57fec7b70e66656ca81f28596fff21d3cf7d";
        assertThat(DockerPullStepType.matches(id, id, List.of())).isTrue();
        assertThat(DockerPullStepType.matches("9bd572073263", id, List.of())).isTrue();
        assertThat(DockerPullStepType.matches("9bd5", id, List.of())).isFalse();
        assertThat(DockerPullStepType.matches("sha256:1111111111111111", id, List.of())).isFalse();
        assertThat(DockerPullStepType.matches("sha256:abcd", id, List.of("alpine@sha256:abcd"))).isTrue();
        assertThat(DockerPullStepType.split("alpine")).containsExactly("alpine", "latest");
        assertThat(DockerPullStepType.split("localhost:5000/a/b:1.2")).containsExactly("localhost:5000/a/b", "1.2");
        assertThat(DockerPullStepType.split("localhost:5000/a")).containsExactly("localhost:5000/a", "latest");
    }

    @Test
    void outputTellsTheLogWhichStreamEachLineCameFrom() {
        List<String> log = new ArrayList<>();
        Output o = new Output(new StepLog() {
            @Override
            public void line(String line) {
                log.add("untold " + line);
            }

            @Override
            public void line(LogLine.Stream stream, String line) {
                log.add(stream + " " + line);
            }
        }, "> ");
        o.stdout("a\n".getBytes());
        o.stderr("x\n".getBytes());
        o.finish();
        assertThat(log).containsExactly("STDOUT > a", "STDERR > [stderr] x");
    }

    @Test
    void outputKeepsStreamsApartAndBoundsTheTail() {
        List<String> log = new ArrayList<>();
        Output o = new Output(log::add, "> ");
        o.stdout("a\nb".getBytes());
        o.stderr("x\n".getBytes());
        o.stdout("c\n".getBytes());
        o.finish();
        assertThat(o.stdoutTail()).isEqualTo("a\nbc\n");
        assertThat(o.stderrTail()).isEqualTo("x\n");
        assertThat(log).containsExactly("> a", "> [stderr] x", "> bc");
        Output big = new Output(null, "");
        for (int i = 0; i < 5000; i++) {
            big.stdout(("line " + i + "\n").getBytes());
        }
        assertThat(big.stdoutTail()).hasSizeLessThanOrEqualTo(Output.TAIL_CHARS).endsWith("line 4999\n");
    }

    @Test
    void connectionIsLazyAndNamesItsHost() {
        DockerConnection c = DockerConnection.of("tcp://127.0.0.1:1");
        assertThat(c.host()).isEqualTo("tcp://127.0.0.1:1");
        assertThat(c.toString()).contains("tcp://127.0.0.1:1");
        assertThat(DockerStepTypes.all(c)).extracting(StepType::key).containsExactlyElementsOf(DockerStepTypes.keys());
    }
}
