package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.Plan;
import dev.tasksync.RunListener;
import dev.tasksync.RunOptions;
import dev.tasksync.RunResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import com.github.dockerjava.api.exception.NotFoundException;
import java.nio.file.Path;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class DockerBuildIT extends DockerITBase {
    static final String TAG = "tsd-build-it:1";

    @AfterEach
    void removeImages() {
        if (unavailable != null) {
            return;
        }
        DockerTestSupport.removeImage(docker, TAG);
        DockerTestSupport.removeImage(docker, "tsd-build-it:extra");
    }

    private String build(String extra) {
        return "{\"docker_build\": {\"image_tag\": \"" + TAG + "\", \"files\": [\"Dockerfile\", \"src/\"]" + extra + "}}";
    }

    /** A task whose one step, "build", builds {@link #TAG} with {@link #build} of {@code extra}; other steps may follow. */
    private Task buildTask(String extra) {
        Task t = task();
        step(t, "build", build(extra));
        return t;
    }

    @Test
    void rebuildsOnlyWhenAWatchedFileChangesOrTheImageIsGone() throws IOException {
        DockerTestSupport.context(dir, "COPY src/ /src/");
        write("src/a.txt", "one\n");
        write("unwatched.txt", "x\n");
        Task t = buildTask("");
        step(t, "cat", "{\"docker_run\": {\"command\": [\"cat\", \"/src/a.txt\"], \"depends_on\": [{\"id\": 1}]}}");

        RunResult first = ts.run(t.id());
        assertThat(first.succeeded()).as(first.toString()).isTrue();
        String id1 = results(first, "build").get("image_id").asText();
        assertThat(results(first, "cat").get("stdout").asText()).isEqualTo("one\n");
        assertThat(results(first, "build").get("file_hashes").has("src/a.txt")).isTrue();

        write("unwatched.txt", "changed\n");
        RunResult second = ts.run(t.id());
        assertThat(result(second, "build").executed()).isFalse();
        assertThat(result(second, "cat").executed()).isFalse();

        write("src/a.txt", "two\n");
        Plan plan = ts.plan(t.id());
        assertThat(plan.steps().get(0).willRun()).isTrue();
        assertThat(plan.steps().get(0).reason()).contains("src/a.txt");
        RunResult third = ts.run(t.id());
        assertThat(result(third, "build").executed()).isTrue();
        String id2 = results(third, "build").get("image_id").asText();
        assertThat(id2).isNotEqualTo(id1);
        assertThat(result(third, "cat").executed()).isTrue();
        assertThat(results(third, "cat").get("stdout").asText()).isEqualTo("two\n");
        assertThat(results(third, "cat").get("image").asText()).isEqualTo(id2);

        DockerTestSupport.removeImage(docker, TAG);
        assertThat(ts.plan(t.id()).steps().get(0).reason()).isEqualTo("image '" + TAG + "' is gone");
        RunResult fourth = ts.run(t.id());
        assertThat(result(fourth, "build").executed()).isTrue();
        assertThat(result(fourth, "build").status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(docker.client().inspectImageCmd(TAG).exec().getId()).isEqualTo(results(fourth, "build").get("image_id").asText());
    }

    @Test
    void shellCommandsRunOnTheHostFirstAndTheFirstFailureStopsTheStep() throws IOException {
        DockerTestSupport.context(dir, "COPY generated.txt /generated.txt");
        Task t = buildTask(", \"shell\": [\"echo made-by-shell > generated.txt\", \"echo to-stderr >&2\"]");
        step(t, "check", "{\"docker_run\": {\"command\": [\"cat\", \"/generated.txt\"], \"depends_on\": [{\"id\": 1}]}}");
        RunResult ok = ts.run(t.id());
        assertThat(ok.succeeded()).as(ok.toString()).isTrue();
        assertThat(results(ok, "check").get("stdout").asText()).isEqualTo("made-by-shell\n");
        JsonNode shell = results(ok, "build").get("shell");
        assertThat(shell.get(1).get("stderr").asText()).isEqualTo("to-stderr\n");
        assertThat(shell.get(1).get("stdout").asText()).isEmpty();

        Task bad = buildTask(", \"shell\": [\"echo about to fail; echo broken >&2; exit 7\", \"touch should-not-run\"]");
        RunResult failed = ts.run(bad.id());
        assertThat(result(failed, "build").status()).isEqualTo(StepStatus.FAILED);
        JsonNode r = results(failed, "build");
        assertThat(r.get("error").asText()).contains("exited with 7").contains("broken");
        assertThat(r.get("shell")).hasSize(1);
        assertThat(r.get("shell").get(0).get("stdout").asText()).isEqualTo("about to fail\n");
        assertThat(r.has("image_id")).isFalse();
        assertThat(Files.exists(dir.resolve("should-not-run"))).isFalse();
    }

    @Test
    void theLogPrefixesShellCommandsWithDollarAndTheirOutputWithNothing() throws IOException {
        DockerTestSupport.context(dir, "COPY Dockerfile /Dockerfile");
        Task t = buildTask(", \"shell\": [\"echo out-line; echo err-line >&2\"]");
        List<String> log = logOf(t, false);
        assertThat(log).contains("$ echo out-line; echo err-line >&2", "out-line", "[stderr] err-line");
        assertThat(log).noneMatch(l -> l.startsWith("$ out-line") || l.startsWith("$ [stderr]"));
    }

    @Test
    void aRunOfTheBuiltImageNamesItByItsTagBesideItsId() throws IOException {
        DockerTestSupport.context(dir, "COPY Dockerfile /Dockerfile");
        Task t = buildTask("");
        step(t, "fails", "{\"docker_run\": {\"command\": [\"sh\", \"-c\", \"exit 3\"], \"depends_on\": [{\"id\": 1}]}}");
        List<String> log = new CopyOnWriteArrayList<>();
        RunResult r = ts.run(t.id(), RunOptions.defaults().withListener(new RunListener() {
            @Override
            public void stepLog(int stepId, String line) {
                log.add(line);
            }
        }));
        String id = results(r, "build").get("image_id").asText();
        assertThat(id).startsWith("sha256:");
        JsonNode failed = results(r, "fails");
        assertThat(failed.get("image").asText()).isEqualTo(id); // run by id: the image the build made, whatever the tag names now
        assertThat(failed.get("image_tag").asText()).isEqualTo(TAG);
        assertThat(failed.get("error").asText()).contains("(image '" + TAG + "' (" + id.substring(0, 19) + ")) exited with 3")
                .doesNotContain(id);
    }

    @Test
    void contextDockerfileTagsBuildArgsAndDockerignore() throws IOException {
        DockerTestSupport.context(dir.resolve("ctx"));
        Files.delete(dir.resolve("ctx/Dockerfile"));
        write("ctx/docker/Custom.Dockerfile", Files.readString(DockerTestSupport.context(dir.resolve("tmp")).resolve("Dockerfile"))
                + "ARG FLAVOUR=plain\nRUN echo $FLAVOUR > /flavour\nCOPY . /ctx/\n");
        write("ctx/keep.txt", "keep\n");
        write("ctx/secret.txt", "secret\n");
        write("ctx/.dockerignore", "secret.txt\n");
        Task t = task();
        step(t, "build", "{\"docker_build\": {\"image_tag\": \"" + TAG + "\", \"context\": \"ctx\", "
                + "\"dockerfile\": \"ctx/docker/Custom.Dockerfile\", \"tags\": [\"tsd-build-it:extra\"], "
                + "\"build_args\": {\"FLAVOUR\": \"spicy\"}}}");
        step(t, "look", "{\"docker_run\": {\"image_tag\": \"tsd-build-it:extra\", \"command\": [\"sh\", \"-c\", \"cat /flavour; ls /ctx\"], "
                + "\"depends_on\": [{\"id\": 1}]}}");
        RunResult r = ts.run(t.id());
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        String out = results(r, "look").get("stdout").asText();
        assertThat(out).startsWith("spicy\n").contains("keep.txt").doesNotContain("secret.txt");
        assertThat(results(r, "build").get("tags")).hasSize(2);
        assertThat(docker.client().inspectImageCmd(TAG).exec().getId())
                .isEqualTo(docker.client().inspectImageCmd("tsd-build-it:extra").exec().getId())
                .isEqualTo(results(r, "build").get("image_id").asText());
    }

    @Test
    void aContextOutsideTheLocalPathIsRefusedBeforeAnyShellCommandUnlessTheStepAllowsIt(@TempDir Path outside)
            throws IOException {
        DockerTestSupport.context(outside.resolve("ctx"), "COPY secret.txt /secret.txt");
        Files.writeString(outside.resolve("ctx/secret.txt"), "TOP-SECRET-LINE\n");
        String rel = dir.relativize(outside.resolve("ctx")).toString();
        Task t = task();
        step(t, "refused", "{\"docker_build\": {\"image_tag\": \"" + TAG + "\", \"context\": \"" + rel + "\", "
                + "\"shell\": [\"touch ran.txt\"]}}");
        RunResult r = ts.run(t.id());
        assertThat(result(r, "refused").status()).isEqualTo(StepStatus.FAILED);
        assertThat(results(r, "refused").get("error").asText()).contains("'" + rel + "'").contains("outside")
                .contains("\"allow_outside\": true");
        assertThat(dir.resolve("ran.txt")).doesNotExist();
        Assertions.assertThatThrownBy(() -> docker.client().inspectImageCmd(TAG).exec())
                .isInstanceOf(NotFoundException.class);

        Task allowed = task();
        step(allowed, "allowed", "{\"docker_build\": {\"image_tag\": \"" + TAG + "\", \"context\": \"" + rel + "\", "
                + "\"allow_outside\": true}}");
        RunResult ok = ts.run(allowed.id());
        assertThat(ok.succeeded()).as(ok.toString()).isTrue();
    }

    @Test
    void noCacheRebuildsEveryLayer() throws IOException {
        DockerTestSupport.context(dir, "RUN echo layer > /layer");
        Task cached = buildTask("");
        assertThat(ts.run(cached.id()).succeeded()).isTrue();
        assertThat(logOf(cached, true)).anyMatch(l -> l.contains("Using cache"));

        Task fresh = buildTask(", \"no_cache\": true");
        List<String> log = logOf(fresh, false);
        assertThat(log).anyMatch(l -> l.contains("RUN echo layer"));
        assertThat(log).noneMatch(l -> l.contains("Using cache"));
    }

    private List<String> logOf(Task t, boolean force) {
        List<String> lines = new CopyOnWriteArrayList<>();
        RunResult r = ts.run(t.id(), RunOptions.defaults().withForce(force).withListener(new RunListener() {
            @Override
            public void stepLog(int stepId, String line) {
                lines.add(line);
            }
        }));
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        return lines;
    }

    @Test
    void aBrokenBuildFailsNamingTheImageAndTheEngine() throws IOException {
        DockerTestSupport.context(dir, "RUN echo going down && exit 3");
        Task t = buildTask("");
        RunResult r = ts.run(t.id());
        assertThat(result(r, "build").status()).isEqualTo(StepStatus.FAILED);
        assertThat(results(r, "build").get("error").asText())
                .contains("'" + TAG + "'").contains("returned a non-zero code: 3").contains(docker.host());

        Task missing = task();
        step(missing, "build", "{\"docker_build\": {\"image_tag\": \"" + TAG + "\", \"context\": \"nowhere\"}}");
        assertThat(results(ts.run(missing.id()), "build").get("error").asText()).contains("nowhere").contains("not a directory");
    }
}
