package dev.tasksync.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The embedded PostgreSQL (real server binaries from Maven Central), data kept in a directory.
 *
 * <p>Every connection needs the superuser's password (scram-sha-256, on TCP; the server opens no Unix
 * socket). The password is generated when the data directory is created and kept in
 * {@link PasswordFile#of(Path)}, readable by its owner only. A data directory created by an older
 * task-sync (which trusted every local connection) is upgraded on its first start; nothing else in it
 * changes. The server is durable (fsync, synchronous commit, full-page writes) unless a caller that
 * throws its data away asks otherwise ({@link Durability#THROWAWAY}, used by tests).
 */
public final class EmbeddedServer implements AutoCloseable {
    /** The superuser every task-sync connection to the embedded server uses. */
    public static final String USER = "postgres";

    /** Whether committed data survives a crash of the server or the machine. */
    public enum Durability {
        /** fsync, synchronous_commit and full_page_writes on: what users' data gets. */
        DURABLE,
        /** All three off: faster, for servers whose data is thrown away afterwards (tests). */
        THROWAWAY
    }

    private static final String SCRAM = "scram-sha-256";

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final String password;

    private EmbeddedServer(EmbeddedPostgres postgres, Path dataDirectory, String password) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.password = password;
    }

    /** {@code $TASKSYNC_HOME}, else the {@code tasksync.home} system property, else {@code ~/.task-sync}. */
    public static Path defaultHome() {
        String env = System.getenv("TASKSYNC_HOME");
        String prop = System.getProperty("tasksync.home");
        String home = prop != null ? prop : env;
        return home != null && !home.isBlank() ? Paths.get(home) : Paths.get(System.getProperty("user.home"), ".task-sync");
    }

    /** Starts a durable server on {@code port} (0: a free one) whose data lives in {@code dataDirectory} (created when missing). */
    public static EmbeddedServer start(Path dataDirectory, int port) {
        return start(dataDirectory, port, Durability.DURABLE);
    }

    public static EmbeddedServer start(Path dataDirectory, int port, Durability durability) {
        Path data = dataDirectory.toAbsolutePath().normalize();
        try {
            String password = prepare(data);
            EmbeddedPostgres.Builder builder = configure(EmbeddedPostgres.builder(), data, password, durability);
            if (port > 0) {
                builder.setPort(port);
            }
            return new EmbeddedServer(ServerStart.start(builder, data, logFile(data)), data, password);
        } catch (IOException | RuntimeException e) {
            throw new EmbeddedServerException("could not start the embedded PostgreSQL with data in " + data
                    + ": " + e.getMessage(), e);
        }
    }

    /** Where the server on {@code data} writes its output: {@code <data>.log} beside it ({@code ~/.task-sync/postgres.log}). */
    public static Path logFile(Path data) {
        Path d = data.toAbsolutePath().normalize();
        return d.resolveSibling(d.getFileName() + ".log");
    }

    /**
     * Sets up {@code builder} for task-sync's server on {@code data}: a new data directory is created
     * with password authentication only (never trust), pg_hba.conf requires the password on every
     * connection, no Unix socket, and the durability asked for.
     */
    static EmbeddedPostgres.Builder configure(EmbeddedPostgres.Builder builder, Path data, String password, Durability durability) {
        String on = durability == Durability.DURABLE ? "on" : "off";
        return builder
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                // zonky runs initdb with "-A trust" and appends these "locale" options as --key=value;
                // initdb takes the last --auth, so a new cluster never trusts anyone, not even once
                .setLocaleConfig("auth", SCRAM)
                .setLocaleConfig("pwfile", PasswordFile.of(data).toString())
                .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath()))
                // zonky always passes -F (fsync off); a later -c wins
                .setServerConfig("fsync", on)
                .setServerConfig("synchronous_commit", on)
                .setServerConfig("full_page_writes", on)
                // TCP on localhost only; a Unix socket (in /tmp by default) is not needed
                .setServerConfig("unix_socket_directories", "")
                .setServerConfig("password_encryption", SCRAM)
                // zonky checks the server answers by connecting as postgres: with the password
                .setConnectConfig("password", password);
    }

    /**
     * The password of the server on {@code data}, after making sure the data directory requires it:
     * generated for a new directory; for one created by an older task-sync (pg_hba.conf trusting local
     * connections, no password), set on the postgres role and required from now on.
     */
    static String prepare(Path data) throws IOException {
        Path file = PasswordFile.of(data);
        boolean known = Files.isRegularFile(file);
        String password = PasswordFile.readOrCreate(file);
        if (Files.exists(data.resolve("postgresql.conf")) && (!known || !requiresPassword(data))) {
            upgrade(data, password);
        }
        return password;
    }

    /** Whether every rule of the data directory's pg_hba.conf asks for a scram-sha-256 password. */
    static boolean requiresPassword(Path data) {
        Path hba = data.resolve("pg_hba.conf");
        try {
            List<String> rules = Files.readAllLines(hba).stream()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            return !rules.isEmpty() && rules.stream().allMatch(l -> List.of(l.split("\\s+")).contains(SCRAM));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Sets the role's password on a data directory that had none (created by an older task-sync), then
     * requires it. For that one start the server accepts only postgres/postgres from localhost without a
     * password (where before it accepted everyone, always), on a fresh port, and stops again at once.
     */
    private static void upgrade(Path data, String password) throws IOException {
        Path hba = data.resolve("pg_hba.conf");
        // if this fails half-way, the next start sees a pg_hba.conf without passwords and does it again
        Files.writeString(hba, "# task-sync: setting the postgres role's password (one start only)\n"
                + "host postgres postgres 127.0.0.1/32 trust\n"
                + "host postgres postgres ::1/128 trust\n", StandardCharsets.UTF_8);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(freePort())
                .setServerConfig("unix_socket_directories", "")
                .setServerConfig("listen_addresses", "localhost")
                .setServerConfig("fsync", "on")
                .start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("SET password_encryption = '" + SCRAM + "'");
            s.execute("ALTER ROLE " + USER + " PASSWORD '" + password + "'");
        } catch (SQLException e) {
            throw new IOException("could not set the password of an older data directory: " + e.getMessage(), e);
        } finally {
            postgres.close();
        }
        writeHba(data);
    }

    /** pg_hba.conf of task-sync's server: the password on every connection, local or TCP. */
    private static void writeHba(Path data) {
        Path hba = data.resolve("pg_hba.conf");
        String rules = "# task-sync: every connection needs the password kept in " + PasswordFile.of(data) + "\n"
                + "# TYPE  DATABASE     USER  ADDRESS       METHOD\n"
                + "local   all          all                 " + SCRAM + "\n"
                + "host    all          all   127.0.0.1/32  " + SCRAM + "\n"
                + "host    all          all   ::1/128       " + SCRAM + "\n"
                + "local   replication  all                 " + SCRAM + "\n"
                + "host    replication  all   127.0.0.1/32  " + SCRAM + "\n"
                + "host    replication  all   ::1/128       " + SCRAM + "\n";
        try {
            if (!Files.exists(hba) || !Files.readString(hba, StandardCharsets.UTF_8).equals(rules)) {
                Files.writeString(hba, rules, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + hba, e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
    }

    public String user() {
        return USER;
    }

    /** The superuser's password (also in {@link PasswordFile#of(Path)} of {@link #dataDirectory()}). */
    public String password() {
        return password;
    }

    public int port() {
        return postgres.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new EmbeddedServerException("could not stop the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }
}
