package dev.tasksync.internal.console;

import dev.tasksync.TaskSync;
import dev.tasksync.console.ConsoleUser;
import dev.tasksync.console.Role;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.testing.TestDatabase;
import net.ttddyy.dsproxy.QueryInfo;
import net.ttddyy.dsproxy.support.ProxyDataSourceBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * UserStore sends console.sql's named statements only (each JDBC text starts with its name's tag), never SQL built
 * from strings: every statement it sends is seen on its way to the real database (datasource-proxy) while each of
 * its operations runs once, and each still does what it did (the users, sessions and audit rows it leaves).
 */
class ConsoleUserStatementsIT {
    /** UserStore's statements in console.sql: each is used by one of the operations below. */
    static final Set<String> USER_STATEMENTS = Set.of("anyUser", "putUser", "listUsers", "setUserRole", "removeUser",
            "userToLogIn", "addSession", "dropExpiredSessions", "liveSession", "dropSession", "addAudit");

    final List<String> sent = new CopyOnWriteArrayList<>();
    final AtomicBoolean recording = new AtomicBoolean();
    final TaskSync ts = TaskSync.builder().schema(TestDatabase.newSchema())
            .dataSource(ProxyDataSourceBuilder.create(TestDatabase.dataSource()).afterQuery((exec, queries) -> {
                if (recording.get()) {
                    queries.stream().map(QueryInfo::getQuery).forEach(sent::add);
                }
            }).build()).build();

    @AfterEach
    void close() {
        ts.close();
    }

    /** The name of the console.sql statement this JDBC text is, or the text itself when it is none. */
    private static String name(String sql) {
        return ConsoleSql.SQL.names().stream().filter(n -> NamedQuery.is(sql, n)).findFirst().orElse(sql);
    }

    @Test
    void everyStatementOfTheUserStoreIsANamedOneOfConsoleSql() throws SQLException {
        UserStore store = new UserStore(ts);
        recording.set(true);

        assertThat(store.any()).isFalse();
        ConsoleUser ann = store.put("ann", Role.VIEWER, "first-password".toCharArray());
        assertThat(store.put("ann", Role.OPERATOR, "second-password".toCharArray()).id()).isEqualTo(ann.id());
        store.put("bob", Role.ADMIN, "bobs-password".toCharArray());
        assertThat(store.any()).isTrue();
        assertThat(store.list()).extracting(ConsoleUser::name, ConsoleUser::role)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ann", Role.OPERATOR), org.assertj.core.groups.Tuple.tuple("bob", Role.ADMIN));

        assertThat(store.login("ann", "first-password")).as("the old password").isEmpty();
        assertThat(store.login("nobody", "second-password")).isEmpty();
        UserStore.Session session = store.login("ann", "second-password").orElseThrow();
        assertThat(store.session(session.token())).map(UserStore.Session::role).contains(Role.OPERATOR);
        assertThat(store.setRole("ann", Role.VIEWER)).isTrue();
        assertThat(store.setRole("nobody", Role.VIEWER)).isFalse();
        assertThat(store.session(session.token())).as("the role of the next request").map(UserStore.Session::role).contains(Role.VIEWER);
        store.audit("ann", "run", "task 7", "127.0.0.1");
        store.logout(session.token());
        assertThat(store.session(session.token())).isEmpty();
        UserStore.Session bobs = store.login("bob", "bobs-password").orElseThrow();
        assertThat(store.remove("bob")).isTrue();
        assertThat(store.remove("bob")).isFalse();
        assertThat(store.session(bobs.token())).as("a removed user's session").isEqualTo(Optional.empty());

        // bad input: a clear error, and nothing sent
        int before = sent.size();
        assertThatThrownBy(() -> store.put("no spaces", Role.VIEWER, "a-password".toCharArray()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name: 'no spaces'");
        assertThat(sent).hasSize(before);
        recording.set(false);

        assertThat(sent.stream().map(ConsoleUserStatementsIT::name).collect(Collectors.toSet()))
                .as("statements UserStore sent").isEqualTo(USER_STATEMENTS);
        try (Connection c = TestDatabase.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT user_name, action, target, remote FROM \"" + ts.schema() + "\".console_audit")) {
            assertThat(rs.next()).isTrue();
            assertThat(List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)))
                    .containsExactly("ann", "run", "task 7", "127.0.0.1");
            assertThat(rs.next()).isFalse();
        }
    }
}
