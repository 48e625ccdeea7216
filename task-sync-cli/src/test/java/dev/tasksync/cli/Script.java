package dev.tasksync.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code ./task-sync} launcher at the repository root in a child process. */
final class Script {
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static final Path REPO = Paths.get(System.getProperty("tasksync.repo", "..")).toAbsolutePath().normalize();
    final Map<String, String> env = new HashMap<>();

    Script() {
        System.getenv().forEach((k, v) -> {
            if (!k.startsWith("TASKSYNC_")) {
                env.put(k, v);
            }
        });
    }

    /** Runs a shell command line (for example a README example, verbatim) in the repository root. */
    Result shell(String commandLine) {
        return exec(List.of("bash", "-c", commandLine));
    }

    Result run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(REPO.resolve("task-sync").toString());
        command.addAll(List.of(args));
        return exec(command);
    }

    private Result exec(List<String> command) {
        try {
            Path out = Files.createTempFile("task-sync-out", ".txt");
            Path err = Files.createTempFile("task-sync-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command).directory(REPO.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
