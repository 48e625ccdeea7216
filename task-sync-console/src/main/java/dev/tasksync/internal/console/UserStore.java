package dev.tasksync.internal.console;

import dev.tasksync.DatabaseException;
import dev.tasksync.TaskSync;
import dev.tasksync.console.ConsoleUser;
import dev.tasksync.console.Role;
import dev.tasksync.internal.sql.Params;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

import javax.sql.DataSource;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The console's tables (V13): users, sessions (stored by the hash of their cookie) and the audit trail. Its SQL is
 * {@code console.sql}'s named statements ({@link ConsoleSql}): no statement is built from strings here.
 */
public final class UserStore {
    public static final Duration SESSION_LIFETIME = Duration.ofHours(12);
    static final int MIN_PASSWORD_LENGTH = 8;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Compared against when the user does not exist, so that a wrong name costs as long as a wrong password. */
    private static final String DUMMY_HASH = new BCryptPasswordEncoder().encode("not a password of anyone");

    private final DataSource dataSource;
    private final ConsoleSql sql;
    private final BCryptPasswordEncoder encoder = new BCryptPasswordEncoder();

    public UserStore(TaskSync taskSync) {
        this.dataSource = taskSync.dataSource();
        this.sql = new ConsoleSql(taskSync);
    }

    /** A logged-in user's session. */
    public record Session(String token, int userId, String userName, Role role, String csrfToken) {
    }

    public boolean any() {
        return query("anyUser", Params.of(), ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        });
    }

    public ConsoleUser put(String name, Role role, char[] password) {
        if (name == null || !name.matches("[A-Za-z0-9_.@-]{1,64}")) {
            throw new IllegalArgumentException("name: '" + name + "' is not a user name: use 1 to 64 letters, digits, '_', '.', '@' or '-'");
        }
        if (role == null) {
            throw new IllegalArgumentException("role: missing; use viewer, operator or admin");
        }
        if (password == null || password.length < MIN_PASSWORD_LENGTH) {
            throw new IllegalArgumentException("password: must have at least " + MIN_PASSWORD_LENGTH + " characters");
        }
        if (StandardCharsets.UTF_8.encode(CharBuffer.wrap(password)).remaining() > 72) {
            throw new IllegalArgumentException("password: bcrypt uses at most 72 bytes; choose a shorter one");
        }
        String hash = encoder.encode(CharBuffer.wrap(password));
        return query("putUser", Params.of().set("name", name).set("role", role.dbValue()).set("password_hash", hash), ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return user(rs);
            }
        });
    }

    public List<ConsoleUser> list() {
        return query("listUsers", Params.of(), ps -> {
            List<ConsoleUser> all = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.add(user(rs));
                }
            }
            return all;
        });
    }

    /** Gives the user another role (their sessions carry it from their next request on); false when there is none. */
    public boolean setRole(String name, Role role) {
        return update("setUserRole", Params.of().set("role", role.dbValue()).set("name", name)) > 0;
    }

    public boolean remove(String name) {
        return update("removeUser", Params.of().set("name", name)) > 0;
    }

    private static ConsoleUser user(ResultSet rs) throws SQLException {
        return new ConsoleUser(rs.getInt(1), rs.getString(2), Role.parse(rs.getString(3)), rs.getObject(4, OffsetDateTime.class));
    }

    /** A new session when the name and password match, else empty (after the same bcrypt work either way). */
    public Optional<Session> login(String name, String password) {
        record Row(int id, String name, Role role, String hash) {
        }
        Optional<Row> row = query("userToLogIn", Params.of().set("name", name), ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Row(rs.getInt(1), rs.getString(2), Role.parse(rs.getString(3)), rs.getString(4)))
                        : Optional.<Row>empty();
            }
        });
        boolean matches = encoder.matches(password, row.map(Row::hash).orElse(DUMMY_HASH));
        if (row.isEmpty() || !matches) {
            return Optional.empty();
        }
        Row r = row.get();
        String token = randomToken();
        String csrf = randomToken();
        update("addSession", Params.of().set("token_hash", sha256(token)).set("user_id", r.id()).set("csrf_token", csrf)
                .set("expires_at", Timestamp.from(Instant.now().plus(SESSION_LIFETIME))));
        update("dropExpiredSessions", Params.of());
        return Optional.of(new Session(token, r.id(), r.name(), r.role(), csrf));
    }

    /** The live session of this cookie value (with the user's current role), if any. */
    public Optional<Session> session(String token) {
        if (token == null || token.isEmpty() || token.length() > 100) {
            return Optional.empty();
        }
        return query("liveSession", Params.of().set("token_hash", sha256(token)), ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Session(token, rs.getInt(1), rs.getString(2), Role.parse(rs.getString(3)), rs.getString(4)))
                        : Optional.<Session>empty();
            }
        });
    }

    public void logout(String token) {
        if (token != null) {
            update("dropSession", Params.of().set("token_hash", sha256(token)));
        }
    }

    /** One row of the audit trail: who did what to which task or step, from where. */
    public void audit(String user, String action, String target, String remote) {
        update("addAudit", Params.of().set("user_name", user).set("action", action).set("target", target).set("remote", remote));
    }

    static String randomToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Body<T> {
        T apply(PreparedStatement ps) throws SQLException;
    }

    /** Prepares console.sql's statement {@code name} with {@code params} bound and hands it to {@code body}. */
    private <T> T query(String name, Params params, Body<T> body) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = sql.statement(name).bind(params).prepare(c)) {
            return body.apply(ps);
        } catch (SQLException e) {
            throw new DatabaseException("console: " + e.getMessage(), e.getSQLState(), e);
        }
    }

    /** Runs console.sql's statement {@code name}; the rows it changed. */
    private int update(String name, Params params) {
        return query(name, params, PreparedStatement::executeUpdate);
    }
}
