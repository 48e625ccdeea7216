package dev.tasksync.console;

import dev.tasksync.spi.StepType;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A console on its own schema of the test database: the test step types, console users, and a console on a free
 * loopback port. As a test's {@code @RegisterExtension} field it opens before each test and closes after it (as
 * the CLI's CliHarness does), so a test class holds only what it asserts.
 */
final class ConsoleHarness implements BeforeEachCallback, AfterEachCallback {
    static final String OPERATOR = "olga";
    static final String OPERATOR_PASSWORD = "operator-pass";
    static final String VIEWER = "vic";
    static final String VIEWER_PASSWORD = "viewer-pass";

    private record User(String name, Role role, String password) {
    }

    private final List<StepType<?>> types;
    private final List<User> users = new ArrayList<>();
    private final List<Runnable> beforeClose = new ArrayList<>();
    private UnaryOperator<TaskSync.Builder> configure = b -> b;
    private boolean startConsole = true;
    TaskSync ts;
    /** The console the harness started, or the one {@link #start} started; null before. */
    RunningConsole console;

    private ConsoleHarness(List<StepType<?>> types) {
        this.types = types;
    }

    static ConsoleHarness withStepTypes(StepType<?>... types) {
        return new ConsoleHarness(List.of(types));
    }

    /** A console user added before the console starts. */
    ConsoleHarness user(String name, Role role, String password) {
        users.add(new User(name, role, password));
        return this;
    }

    /** {@value #OPERATOR} (an operator) and {@value #VIEWER} (a viewer). */
    ConsoleHarness operatorAndViewer() {
        return user(OPERATOR, Role.OPERATOR, OPERATOR_PASSWORD).user(VIEWER, Role.VIEWER, VIEWER_PASSWORD);
    }

    /** More settings of the test's TaskSync (worker options, a data source). */
    ConsoleHarness configure(UnaryOperator<TaskSync.Builder> configure) {
        this.configure = configure;
        return this;
    }

    /** The test starts the console itself ({@link #start}), e.g. after adding users or with other options. */
    ConsoleHarness startedByTheTest() {
        this.startConsole = false;
        return this;
    }

    /** Runs before the console closes, e.g. to release a step a run still waits in. */
    ConsoleHarness beforeClose(Runnable r) {
        beforeClose.add(r);
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        ts = configure.apply(TestDatabase.builder().stepType(types.toArray(StepType<?>[]::new))).build();
        users.forEach(u -> addUser(u.name(), u.role(), u.password()));
        if (startConsole) {
            start();
        }
    }

    void addUser(String name, Role role, String password) {
        ConsoleUsers.of(ts).add(name, role, password.toCharArray());
    }

    /** Starts the console on a free loopback port. */
    RunningConsole start() {
        return start(ConsoleOptions.defaults().withPort(0));
    }

    RunningConsole start(ConsoleOptions options) {
        console = Console.start(ts, options);
        return console;
    }

    /** A client without a session. */
    HttpSession session() {
        return new HttpSession(console);
    }

    /** A client logged in as {@code user} through the login form. */
    HttpSession as(String user, String password) {
        HttpSession s = session();
        assertThat(s.login(user, password).statusCode()).isEqualTo(303);
        return s;
    }

    /** The audit rows other than logins, as "user action target", oldest first. */
    List<String> audit() {
        List<String> rows = new ArrayList<>();
        try (Connection c = ts.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT user_name, action, target FROM \"" + ts.schema()
                     + "\".console_audit WHERE action NOT LIKE 'login%' ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return rows;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            beforeClose.forEach(Runnable::run);
        } finally {
            if (console != null) {
                console.close();
            }
            if (ts != null) {
                ts.close();
            }
        }
    }
}
