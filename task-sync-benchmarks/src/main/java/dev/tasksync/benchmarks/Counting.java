package dev.tasksync.benchmarks;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * A DataSource that counts what goes over the wire: statements executed, transactions committed
 * (explicit commits, and statements executed in autocommit mode, each its own transaction) and
 * connection checkouts. Lets the report say how many round trips the engine spends per step.
 */
final class Counting implements DataSource {
    final LongAdder statements = new LongAdder();
    final LongAdder transactions = new LongAdder();
    final LongAdder checkouts = new LongAdder();
    private final DataSource delegate;

    Counting(DataSource delegate) {
        this.delegate = delegate;
    }

    /** A snapshot of the counters. */
    record Counts(long statements, long transactions, long checkouts) {
        Counts minus(Counts before) {
            return new Counts(statements - before.statements, transactions - before.transactions, checkouts - before.checkouts);
        }
    }

    Counts counts() {
        return new Counts(statements.sum(), transactions.sum(), checkouts.sum());
    }

    @Override
    public Connection getConnection() throws SQLException {
        return wrap(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return wrap(delegate.getConnection(username, password));
    }

    private Connection wrap(Connection c) {
        checkouts.increment();
        return (Connection) Proxy.newProxyInstance(Counting.class.getClassLoader(), new Class<?>[] {Connection.class},
                handler(c, (proxy, m, args) -> {
                    if (m.getName().equals("commit")) {
                        transactions.increment();
                    }
                    Object result = m.invoke(c, args);
                    if (result instanceof Statement s) {
                        Class<?>[] interfaces = m.getReturnType().isInterface()
                                ? new Class<?>[] {m.getReturnType()} : new Class<?>[] {Statement.class};
                        return Proxy.newProxyInstance(Counting.class.getClassLoader(), interfaces,
                                handler(s, (p2, m2, a2) -> {
                                    if (m2.getName().startsWith("execute")) {
                                        statements.increment();
                                        if (c.getAutoCommit()) {
                                            transactions.increment();
                                        }
                                    }
                                    return m2.invoke(s, a2);
                                }));
                    }
                    return result;
                }));
    }

    private static InvocationHandler handler(Object target, InvocationHandler inner) {
        return (proxy, m, args) -> {
            if (m.getName().equals("unwrap") && args != null && args.length == 1 && args[0] instanceof Class<?> k
                    && k.isInstance(proxy)) {
                return proxy;
            }
            if (m.getName().equals("isWrapperFor") && args != null && args.length == 1 && args[0] instanceof Class<?> k
                    && k.isInstance(proxy)) {
                return true;
            }
            if (m.getName().equals("equals") && args != null && args.length == 1) {
                return proxy == args[0];
            }
            if (m.getName().equals("hashCode") && (args == null || args.length == 0)) {
                return System.identityHashCode(proxy);
            }
            try {
                return inner.invoke(proxy, m, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }
}
