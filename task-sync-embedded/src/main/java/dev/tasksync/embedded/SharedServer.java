package dev.tasksync.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The embedded PostgreSQL kept running between processes: started once (detached, its data in
 * {@code <home>/postgres}), its port and pid recorded in {@code <home>/server.properties}, and reused
 * by every later process with the same home until {@link #stop()}.
 *
 * <p>Starting and stopping hold an exclusive file lock on {@code <home>/server.lock}, so two
 * processes that race to start it end up sharing one server. The binaries are zonky's (the same as
 * {@link EmbeddedServer}); the server is started without a shutdown hook and with its output in
 * {@code <home>/postgres.log}, so it outlives the JVM that started it. Connections need the password in
 * {@code <home>/postgres.password} (see {@link EmbeddedServer}); a server an older task-sync started
 * (trusting every local connection) is stopped and started again with the password.
 */
public final class SharedServer {
    /** Where the server lives; properties file, lock and log sit next to the data directory. */
    private final Path home;

    /** A running server: its port, its postmaster's pid, and its data directory. */
    public record Info(int port, long pid, Path dataDirectory) {
        public String jdbcUrl() {
            return "jdbc:postgresql://localhost:" + port + "/postgres";
        }
    }

    private SharedServer(Path home) {
        this.home = home;
    }

    /** The shared server of {@code home} (for example {@link EmbeddedServer#defaultHome()}). */
    public static SharedServer in(Path home) {
        return new SharedServer(home.toAbsolutePath().normalize());
    }

    public Path home() {
        return home;
    }

    public Path dataDirectory() {
        return home.resolve("postgres");
    }

    public Path infoFile() {
        return home.resolve("server.properties");
    }

    public Path logFile() {
        return home.resolve("postgres.log");
    }

    private Path lockFile() {
        return home.resolve("server.lock");
    }

    /** The running server, if one answers; never starts one. */
    public Optional<Info> status() {
        return readInfo().filter(this::answers).or(this::adoptRunning);
    }

    /** Returns the running server, starting it (detached) first when none answers. */
    public Info ensureRunning() {
        Optional<Info> running = readInfo().filter(this::answers);
        if (running.isPresent() && secured()) {
            return running.get();
        }
        return locked(() -> {
            Optional<Info> again = readInfo().filter(this::answers).or(this::adoptRunning);
            if (again.isPresent() && secured()) {
                writeInfo(again.get());
                return again.get();
            }
            if (again.isPresent()) {
                // started by an older task-sync: it trusts every local connection and may not be durable;
                // stop it, so that starting it again upgrades its data directory (nothing in it is lost)
                stopProcess(again.get().pid());
            }
            Info started = start();
            writeInfo(started);
            return started;
        });
    }

    /** The password every connection to this server needs (kept in {@link #passwordFile()}). */
    public String password() {
        return PasswordFile.read(passwordFile()).orElseThrow(() -> new EmbeddedServerException(
                "the embedded PostgreSQL's password file " + passwordFile() + " is missing; "
                        + "stop the server (task-sync db stop) and a new password is set on the next start"));
    }

    public Path passwordFile() {
        return PasswordFile.of(dataDirectory());
    }

    /** The data directory requires the password and the password is known (not an older task-sync's server). */
    private boolean secured() {
        return Files.isRegularFile(passwordFile()) && EmbeddedServer.requiresPassword(dataDirectory());
    }

    /** Stops the server if it runs; returns the server that was stopped. */
    public Optional<Info> stop() {
        return locked(() -> {
            Optional<Info> running = readInfo().filter(this::alive).or(this::adoptRunning);
            if (running.isPresent()) {
                stopProcess(running.get().pid());
            }
            Files.deleteIfExists(infoFile());
            return running;
        });
    }

    private void stopProcess(long pid) {
        // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, close sessions, stop.
        signal(pid, "INT");
        if (!waitForExit(pid, Duration.ofSeconds(30))) {
            signal(pid, "QUIT");
            if (!waitForExit(pid, Duration.ofSeconds(10))) {
                throw new EmbeddedServerException("the embedded PostgreSQL (pid " + pid + ") did not stop; see " + logFile());
            }
        }
    }

    // ---- starting

    private Info start() throws IOException {
        Path data = dataDirectory();
        Files.createDirectories(data);
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = EmbeddedServer.freePort();
            try {
                String password = EmbeddedServer.prepare(data);
                ServerStart.start(EmbeddedServer.configure(EmbeddedPostgres.builder(), data, password, EmbeddedServer.Durability.DURABLE)
                        .setRegisterShutdownHook(false)
                        .setPort(port)
                        .setServerConfig("listen_addresses", "localhost"), data, logFile());
                // Deliberately not closed: closing would stop the server, which must outlive this JVM.
                Optional<Info> info = fromPidFile();
                if (info.isPresent() && answers(info.get())) {
                    return info.get();
                }
                throw new IOException("PostgreSQL started but " + data.resolve("postmaster.pid") + " does not name it");
            } catch (IOException | RuntimeException e) {
                last = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                Optional<Info> other = adoptRunning();
                if (other.isPresent()) {
                    return other.get();
                }
                String why = String.valueOf(last.getMessage());
                if (why.contains("FATAL:") && !why.contains("TCP/IP")) {
                    break;   // PostgreSQL said why; only a port another process took meanwhile is worth another try
                }
            }
        }
        throw new EmbeddedServerException("could not start the embedded PostgreSQL with data in " + data + ": "
                + last.getMessage(), last);
    }

    // ---- checking

    /** A server someone else started on our data directory (postmaster.pid names a live process that answers). */
    private Optional<Info> adoptRunning() {
        return fromPidFile().filter(this::answers);
    }

    private Optional<Info> fromPidFile() {
        Path pidFile = dataDirectory().resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4) {
                return Optional.empty();
            }
            return Optional.of(new Info(Integer.parseInt(lines.get(3).trim()), Long.parseLong(lines.get(0).trim()), dataDirectory()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private boolean alive(Info info) {
        return ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The pid lives, the data directory's postmaster.pid names it, and its port accepts connections. */
    private boolean answers(Info info) {
        if (!alive(info)) {
            return false;
        }
        Optional<Info> pidFile = fromPidFile();
        if (pidFile.isEmpty() || pidFile.get().pid() != info.pid() || pidFile.get().port() != info.port()) {
            return false;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), info.port()), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- the info file

    private Optional<Info> readInfo() {
        Path file = infoFile();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
            return Optional.of(new Info(Integer.parseInt(p.getProperty("port")), Long.parseLong(p.getProperty("pid")),
                    dataDirectory()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void writeInfo(Info info) throws IOException {
        Properties p = new Properties();
        p.setProperty("port", Integer.toString(info.port()));
        p.setProperty("pid", Long.toString(info.pid()));
        p.setProperty("data", info.dataDirectory().toString());
        p.setProperty("url", info.jdbcUrl());
        Path tmp = home.resolve("server.properties.tmp" + ProcessHandle.current().pid());
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "task-sync embedded PostgreSQL (task-sync db status / db stop)");
        }
        try {
            Files.move(tmp, infoFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, infoFile(), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    // ---- helpers

    private interface LockedAction<T> {
        T run() throws IOException;
    }

    private <T> T locked(LockedAction<T> action) {
        try {
            if (!Files.isDirectory(home)) {
                PasswordFile.createPrivateDirectories(home);
            }
            try (FileChannel channel = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                return action.run();
            }
        } catch (IOException e) {
            throw new EmbeddedServerException("embedded PostgreSQL in " + home + ": " + e.getMessage(), e);
        }
    }

    private static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor();
        } catch (IOException e) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean waitForExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
