package dev.tasksync.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import dev.tasksync.TaskSync;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A real Docker engine for tests: skips the test when none answers, unless TASKSYNC_REQUIRE_DOCKER=true, which
 * turns a missing engine into a failure. Images are built FROM scratch with the busybox-static binary.
 */
final class DockerTestSupport {
    static final String REQUIRE = "TASKSYNC_REQUIRE_DOCKER";
    private static final List<String> BUSYBOX = List.of("/bin/busybox", "/usr/bin/busybox");

    private DockerTestSupport() {
    }

    static boolean required() {
        return "true".equalsIgnoreCase(System.getenv(REQUIRE));
    }

    /** Why Docker tests cannot run here (no engine, no busybox), or null when they can. */
    static String unavailableReason() {
        DockerConnection c = DockerConnection.fromEnvironment();
        if (!c.isAvailable()) {
            return "no Docker engine answers at " + c.describeHost()
                    + " (start one, e.g. `dockerd --bridge=none --iptables=false`, or set DOCKER_HOST)";
        }
        if (findBusybox() == null) {
            return "no busybox binary at " + BUSYBOX + " (apt-get install busybox-static)";
        }
        return null;
    }

    /** Skips the test when {@code reason} is set, or fails it when TASKSYNC_REQUIRE_DOCKER=true. */
    static void assumeAvailable(String reason) {
        if (reason == null) {
            return;
        }
        if (required()) {
            Assertions.fail(reason + "; " + REQUIRE + "=true requires it");
        }
        Assumptions.abort("Docker test skipped: " + reason);
    }

    /** The environment's engine, or a skip (a failure when TASKSYNC_REQUIRE_DOCKER=true). */
    static DockerConnection connection() {
        assumeAvailable(unavailableReason());
        return DockerConnection.fromEnvironment();
    }

    private static Path findBusybox() {
        for (String p : BUSYBOX) {
            Path path = Path.of(p);
            if (Files.isRegularFile(path)) {
                return path;
            }
        }
        return null;
    }

    static Path busybox() {
        Path p = findBusybox();
        if (p == null) {
            assumeAvailable("no busybox binary at " + BUSYBOX + " (apt-get install busybox-static)");
        }
        return p;
    }

    /** Writes a build context: busybox plus a Dockerfile FROM scratch with the extra lines. */
    static Path context(Path dir, String... extraLines) {
        try {
            Files.createDirectories(dir);
            Files.copy(busybox(), dir.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
            dir.resolve("busybox").toFile().setExecutable(true);
            StringBuilder df = new StringBuilder("FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n");
            for (String line : extraLines) {
                df.append(line).append('\n');
            }
            Files.writeString(dir.resolve("Dockerfile"), df.toString());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds a busybox image tagged {@code tag} and returns its id. */
    static String buildImage(DockerConnection c, Path dir, String tag, String... extraLines) {
        context(dir, extraLines);
        DockerClient client = c.client();
        return client.buildImageCmd(dir.toFile()).withTags(Set.of(tag)).withForcerm(true)
                .exec(new BuildImageResultCallback()).awaitImageId();
    }

    static void removeImage(DockerConnection c, String tag) {
        try {
            c.client().removeImageCmd(tag).withForce(true).exec();
        } catch (RuntimeException ignored) {
            // already gone
        }
    }

    /** Containers carrying the task's (and optionally the step's) labels, of {@code ts}'s store only. */
    static List<String> labelled(DockerConnection c, TaskSync ts, int taskId, Integer stepId) {
        return DockerStepTypes.containers(c, ts, taskId, stepId);
    }

    /** Containers a step type run outside any store (a TestContext, no store label) made for this task and step. */
    static List<String> labelledOutsideAStore(DockerConnection c, int taskId, int stepId) {
        return new DockerOps(c).containersLabelled(Map.of(DockerStepTypes.LABEL_TASK, String.valueOf(taskId),
                DockerStepTypes.LABEL_STEP, String.valueOf(stepId))).stream().map(x -> x.getId()).toList();
    }

    static Map<String, String> labelsOf(DockerConnection c, String containerId) {
        return c.client().inspectContainerCmd(containerId).exec().getConfig().getLabels();
    }
}
