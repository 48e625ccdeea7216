package dev.tasksync.docker;

import dev.tasksync.spi.StepLog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Runs {@code sh -c command} on the host, capturing stdout and stderr apart. */
final class HostShell {
    private HostShell() {
    }

    record Result(int exitCode, String stdout, String stderr, long durationMillis) {
    }

    static Result run(String command, Path directory, StepLog log, BooleanSupplier cancelled)
            throws IOException, InterruptedException, DockerOps.Stopped {
        long start = System.nanoTime();
        Process process = new ProcessBuilder("sh", "-c", command).directory(directory.toFile()).start();
        process.getOutputStream().close();
        Output output = new Output(log, "$ ");
        Thread out = pump(process.getInputStream(), output, false);
        Thread err = pump(process.getErrorStream(), output, true);
        try {
            while (!process.waitFor(100, TimeUnit.MILLISECONDS)) {
                if (cancelled.getAsBoolean()) {
                    throw new DockerOps.Stopped(false, "cancelled while shell command '" + command + "' was running");
                }
            }
            out.join(5000);
            err.join(5000);
        } finally {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
        output.finish();
        return new Result(process.exitValue(), output.stdoutTail(), output.stderrTail(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    private static Thread pump(InputStream in, Output output, boolean stderr) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    byte[] chunk = java.util.Arrays.copyOf(buffer, n);
                    if (stderr) {
                        output.stderr(chunk);
                    } else {
                        output.stdout(chunk);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "task-sync-shell-" + (stderr ? "stderr" : "stdout"));
        t.setDaemon(true);
        t.start();
        return t;
    }
}
