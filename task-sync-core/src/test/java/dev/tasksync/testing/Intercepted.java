package dev.tasksync.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/** A DataSource whose JDBC calls pass a hook first: to count round trips or hold a commit back in tests. */
public final class Intercepted {
    private Intercepted() {
    }

    /** Runs before a JDBC call, which then goes through. */
    public interface Hook {
        void before(String method, Object[] args) throws Exception;
    }

    /**
     * {@code connectionHook} gives each borrowed connection its own hook (it may keep state per connection);
     * {@code statementHook} sees the calls on every statement, prepared or plain. Either may be null.
     */
    public static DataSource dataSource(DataSource pool, Supplier<Hook> connectionHook, Hook statementHook) {
        return proxy(DataSource.class, pool, null, result -> result instanceof Connection c
                ? proxy(Connection.class, c, connectionHook == null ? null : connectionHook.get(),
                        r -> statementHook == null ? r
                                : r instanceof PreparedStatement ps ? proxy(PreparedStatement.class, ps, statementHook, x -> x)
                                : r instanceof Statement st ? proxy(Statement.class, st, statementHook, x -> x) : r)
                : result);
    }

    private static <T> T proxy(Class<T> type, T target, Hook hook, UnaryOperator<Object> wrapResult) {
        return type.cast(Proxy.newProxyInstance(Intercepted.class.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            if (hook != null) {
                hook.before(m.getName(), args);
            }
            return wrapResult.apply(invoke(target, m, args));
        }));
    }

    private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
