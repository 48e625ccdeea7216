package dev.tasksync.docker;

import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepLog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs {@code sh -c command} on the host, capturing stdout and stderr apart. Where {@code setsid} exists (Linux), the
 * command runs in a process group of its own whose id is recorded under the temp directory, keyed by store, task
 * and step: nothing it started outlives it (the group is killed when it ends), and when the JVM was killed
 * mid-attempt, the next attempt of the step kills the group left behind before it runs anything.
 */
final class HostShell {
    /** Per user and private (0700): another account must not plant a record that makes a worker kill its own groups. */
    private static final Path RECORDS = Path.of(System.getProperty("java.io.tmpdir"),
            "task-sync-shells-" + System.getProperty("user.name", "user"));
    /**
     * How long output is still read after the command exited: only what escaped its process group (no setsid, or
     * a daemon of its own session) keeps the pipes open longer, and its output is not the command's.
     */
    private static final Duration OUTPUT_AFTER_EXIT = Duration.ofSeconds(5);
    private static final boolean SETSID = Files.isExecutable(Path.of("/usr/bin/setsid")) || Files.isExecutable(Path.of("/bin/setsid"));

    private HostShell() {
    }

    record Result(int exitCode, String stdout, String stderr, long durationMillis) {
    }

    /** Where the process group of a step's running shell command is recorded. */
    static Path record(StepContext<?> context) {
        String store = context.storeId().isEmpty() ? "default" : context.storeId();
        return RECORDS.resolve(store + "-task" + context.taskId() + "-step" + context.stepId());
    }

    /** Kills the process group an earlier attempt of this step left running, if any, and waits until it is gone. */
    static void killEarlierAttempt(StepContext<?> context) throws InterruptedException {
        Path record = record(context);
        String[] fields;
        try {
            fields = Files.readString(record, StandardCharsets.UTF_8).strip().split(" ");
        } catch (IOException e) {
            return; // none recorded
        }
        if (fields.length < 3 || Integer.parseInt(fields[2]) >= context.attempt()) {
            return;
        }
        long pgid = Long.parseLong(fields[0]);
        long started = Long.parseLong(fields[1]);
        Optional<ProcessHandle> leader = ProcessHandle.of(pgid);
        Optional<Instant> leaderStart = leader.flatMap(h -> h.info().startInstant());
        // A pid is not reused while a group of that id exists: a live leader started at another time means the
        // recorded group is gone; a dead leader may have left members behind, and they are the step's.
        if (leaderStart.isEmpty() || leaderStart.get().toEpochMilli() == started) {
            if (signalGroup(pgid, "-0")) {
                context.log().line("killing process group " + pgid + " of shell commands left running by attempt "
                        + fields[2] + " of this step");
                signalGroup(pgid, "-KILL");
                while (signalGroup(pgid, "-0")) {
                    Thread.sleep(20);
                }
            }
        }
        deleteQuietly(record);
    }

    static Result run(String command, Path directory, StepContext<?> context, BooleanSupplier cancelled)
            throws IOException, InterruptedException, StepStopped {
        StepLog log = context.log();
        long start = System.nanoTime();
        ProcessBuilder builder = SETSID ? new ProcessBuilder("setsid", "sh", "-c", command) : new ProcessBuilder("sh", "-c", command);
        Process process = builder.directory(directory.toFile()).start();
        Path record = record(context);
        if (SETSID) {
            long startedAt = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
            try {
                createPrivateDirectory();
                Files.writeString(record, process.pid() + " " + startedAt + " " + context.attempt() + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                log.line("cannot record the process group of '" + command + "' in " + RECORDS + " (" + e.getMessage()
                        + "); if this worker is killed, the next attempt cannot end it");
            }
        }
        process.getOutputStream().close();
        Output output = new Output(log, ""); // the command itself is logged with "$ " (by its caller), its output bare
        Thread out = pump(process.getInputStream(), output, false);
        Thread err = pump(process.getErrorStream(), output, true);
        try {
            // Woken by its exit, or by the step's stop: the engine interrupts this thread.
            StepWait.untilStopped(cancelled).await(process, "running shell command '" + command + "'");
            if (SETSID) {
                signalGroup(process.pid(), "-KILL"); // what it left in the background ends with it
            }
            out.join(OUTPUT_AFTER_EXIT.toMillis());
            err.join(OUTPUT_AFTER_EXIT.toMillis());
        } finally {
            if (SETSID) {
                signalGroup(process.pid(), "-KILL");
                deleteQuietly(record);
            }
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
        output.finish();
        return new Result(process.exitValue(), output.stdoutTail(), output.stderrTail(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    private static void createPrivateDirectory() throws IOException {
        if (Files.isDirectory(RECORDS)) {
            return;
        }
        try {
            Files.createDirectories(RECORDS, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(RECORDS);
        }
    }

    /**
     * Sends a signal to a process group with kill(1); true when some process of the group got it. Not cut short by
     * an interrupt (a stop arriving while the group is being killed): kill(1) returns at once, and the interrupt is
     * kept for the caller.
     */
    private static boolean signalGroup(long pgid, String signal) {
        boolean interrupted = Thread.interrupted();
        try {
            Process kill = new ProcessBuilder("kill", signal, "--", "-" + pgid).redirectErrorStream(true).start();
            kill.getInputStream().readAllBytes();
            while (true) {
                try {
                    return kill.waitFor() == 0;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (IOException e) {
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the next attempt finds a group that is gone
        }
    }

    private static Thread pump(InputStream in, Output output, boolean stderr) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    byte[] chunk = Arrays.copyOf(buffer, n);
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
