package dev.tasksync.cli;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;

/**
 * One physical connection handed out again and again (its {@code close()} only resets auto-commit), so a
 * command that runs a few queries one after another connects once. For single-threaded commands only;
 * {@code run} uses a pool.
 */
final class SingleConnectionDataSource implements DataSource, AutoCloseable {
    private final DataSource target;
    private Connection physical;

    SingleConnectionDataSource(DataSource target) {
        this.target = target;
    }

    @Override
    public synchronized Connection getConnection() throws SQLException {
        if (physical == null || physical.isClosed()) {
            physical = target.getConnection();
        }
        Connection c = physical;
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "close":
                            if (!c.isClosed() && !c.getAutoCommit()) {
                                c.rollback();
                                c.setAutoCommit(true);
                            }
                            return null;
                        case "isClosed":
                            return c.isClosed();
                        case "unwrap":
                            return ((Class<?>) args[0]).isInstance(proxy) ? proxy : c.unwrap((Class<?>) args[0]);
                        case "equals":
                            return proxy == args[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        default:
                            try {
                                return method.invoke(c, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("one connection, opened with the configured user");
    }

    @Override
    public synchronized void close() {
        if (physical != null) {
            try {
                physical.close();
            } catch (SQLException e) {
                // closing at exit; nothing to do
            }
            physical = null;
        }
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper of " + iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
