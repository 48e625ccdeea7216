package dev.tasksync.testing;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;

/** DataSources over another whose connections a test changes; such a DataSource is no wrapper itself. */
public final class DelegatingDataSource {
    /** What a test does to each connection of the real DataSource. */
    public interface Change {
        Connection apply(Connection real) throws SQLException;
    }

    private DelegatingDataSource() {
    }

    /** A DataSource whose connections are {@code change} applied to those of {@code real}. */
    public static DataSource over(DataSource real, Change change) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[]{DataSource.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "getConnection" -> change.apply(real.getConnection());
                    case "unwrap" -> throw new SQLException("not a wrapper");
                    case "isWrapperFor" -> false;
                    default -> call(real, m, args);
                });
    }

    /** Calls {@code m} on {@code target} for a proxy, throwing what it threw. */
    public static Object call(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
