package dev.tasksync.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts zonky's server on a data directory whatever the last server there left behind, and says why
 * when it cannot start.
 *
 * <p>A server killed with SIGKILL (or a machine or container restarted) leaves {@code postmaster.pid}
 * behind. PostgreSQL ignores it when the pid it names is dead, but refuses to start ("lock file
 * already exists") when that pid is alive, which it is when the pid was reused by another process
 * (common after a container restart) or while the killed postmaster is a zombie nobody reaped yet.
 * Such a file is deleted first, but only when no process works in the data directory: every
 * PostgreSQL process, backends of a killed postmaster included, runs with the data directory as its
 * working directory.
 *
 * <p>The server's output goes to a log file; when {@code pg_ctl} says it could not start the server,
 * the start stops waiting at once (zonky would wait for its whole start-up timeout) and the log's
 * {@code FATAL}/{@code HINT} lines are the exception's message.
 */
final class ServerStart {
    /** How long a start may take: crash recovery with fsync on a busy machine can take more than zonky's 10 s. */
    static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private static final String PG_CTL_FAILED = "could not start server";

    private ServerStart() {
    }

    /** Starts {@code builder}'s server on {@code data} with its output appended to {@code log}. */
    static EmbeddedPostgres start(EmbeddedPostgres.Builder builder, Path data, Path log) throws IOException {
        clearStalePidFile(data);
        Files.createDirectories(log.toAbsolutePath().getParent());
        long offset = Files.exists(log) ? Files.size(log) : 0;
        builder.setPGStartupWait(STARTUP_WAIT)
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Thread starter = Thread.currentThread();
        AtomicBoolean fired = new AtomicBoolean();
        Thread watchdog = new Thread(() -> watch(log, offset, starter, fired), "task-sync-postgres-start-watch");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            EmbeddedPostgres postgres = builder.start();
            if (fired.get()) {
                // zonky returns from its wait when interrupted, as if the server had started
                Thread.interrupted();
                closeQuietly(postgres);
                throw new IOException("pg_ctl could not start the server");
            }
            return postgres;
        } catch (IOException | RuntimeException e) {
            List<String> reasons = reasons(log, offset);
            String why = reasons.isEmpty() ? String.valueOf(e.getMessage()) : String.join("; ", reasons);
            throw new IOException(why + " (the server's log: " + log + ")", e);
        } finally {
            watchdog.interrupt();
            boolean interrupted = false;
            while (watchdog.isAlive()) {
                try {
                    watchdog.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            // the watchdog's interrupt only cut zonky's wait short (zonky sets the flag again): not the caller's
            if (fired.get()) {
                Thread.interrupted();
            }
            if (interrupted) {
                starter.interrupt();
            }
        }
    }

    private static void closeQuietly(EmbeddedPostgres postgres) {
        try {
            postgres.close();   // releases zonky's lock on the data directory; there is no server to stop
        } catch (IOException | RuntimeException e) {
            // nothing ran
        }
    }

    /** Interrupts {@code starter} (waiting in zonky for connections) once pg_ctl said the server did not start. */
    private static void watch(Path log, long offset, Thread starter, AtomicBoolean fired) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (tail(log, offset).contains(PG_CTL_FAILED)) {
                    fired.set(true);
                    starter.interrupt();
                    return;
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            // the start finished
        }
    }

    /** The lines of the log written since {@code offset} that say why the server stopped or refused to start. */
    static List<String> reasons(Path log, long offset) {
        List<String> reasons = new ArrayList<>();
        for (String line : tail(log, offset).split("\n")) {
            int at = indexOfAny(line, "FATAL:", "PANIC:", "HINT:", "DETAIL:");
            // zonky connects while the server starts: those refusals are not why it failed
            if (at >= 0 && !line.contains("the database system is starting up")) {
                reasons.add(line.substring(at).strip());
            }
        }
        return reasons;
    }

    private static int indexOfAny(String line, String... markers) {
        for (String marker : markers) {
            int at = line.indexOf(marker);
            if (at >= 0) {
                return at;
            }
        }
        return -1;
    }

    private static String tail(Path log, long offset) {
        try (SeekableByteChannel channel = Files.newByteChannel(log)) {
            channel.position(Math.min(offset, channel.size()));
            try (InputStream in = Channels.newInputStream(channel)) {
                return new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Deletes {@code postmaster.pid} when no server runs on {@code data}; returns whether it did.
     * Where processes' working directories cannot be read (no {@code /proc}), only a file whose pid
     * is not a live {@code postgres} process is deleted.
     */
    static boolean clearStalePidFile(Path data) throws IOException {
        Path pidFile = data.resolve("postmaster.pid");
        Optional<Long> pid = pidIn(pidFile);
        if (pid.isEmpty()) {
            return false;
        }
        Path proc = Path.of("/proc");
        boolean inUse = Files.isDirectory(proc.resolve("self"))
                ? anyProcessWorksIn(proc, data.toRealPath())
                : ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive)
                        .flatMap(h -> h.info().command()).map(c -> c.contains("postgres")).orElse(false);
        if (inUse) {
            return false;
        }
        return Files.deleteIfExists(pidFile);
    }

    private static Optional<Long> pidIn(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty() ? Optional.of(-1L) : Optional.of(Long.parseLong(lines.get(0).strip()));
        } catch (NumberFormatException e) {
            return Optional.of(-1L);   // not a pid file PostgreSQL could have written completely
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean anyProcessWorksIn(Path proc, Path data) throws IOException {
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path process : processes) {
                try {
                    if (Files.readSymbolicLink(process.resolve("cwd")).equals(data)) {
                        return true;
                    }
                } catch (IOException | SecurityException e) {
                    // gone, a zombie (no working directory), or another user's (cannot work in our 0700 directory)
                }
            }
        }
        return false;
    }
}
