package io.colloquy.platform;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The application's connection pool, replaced by a fresh one when the database returns after an outage. HikariCP
 * backs off up to 5 s between failed connection attempts, so a pool that lived through an outage can lag seconds
 * behind the database's return; a new pool connects at once. The old pool is closed in the background, after
 * the requests still holding its connections are done with them.
 *
 * <p>The pool's own wait for a connection is short, so that a request fails fast (503) while the database is
 * unreachable. A wait that times out while the database answers is not an outage but a busy pool (every
 * connection in use): such a request keeps waiting, up to {@code patience} in all, instead of failing.
 */
final class RenewablePool implements DataSource, AutoCloseable {
    private final Supplier<HikariDataSource> factory;
    private final Duration patience;
    private volatile HikariDataSource current;

    RenewablePool(Supplier<HikariDataSource> factory, Duration patience) {
        this.factory = factory;
        this.patience = patience;
        this.current = factory.get();
    }

    synchronized void renew() {
        HikariDataSource old = current;
        current = factory.get();
        Thread.ofVirtual().name("close-old-pool").start(old::close);
    }

    @Override
    public synchronized void close() {
        current.close();
    }

    @Override
    public Connection getConnection() throws SQLException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return current.getConnection();
            } catch (SQLTransientConnectionException e) {
                // Hikari gives the timeout a cause only when its last attempt to connect failed: the database is
                // unreachable, so fail now; without one, every connection is merely in use
                if (e.getCause() != null || System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return current.getConnection(username, password);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return current.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        current.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        current.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return current.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return current.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : current.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || current.isWrapperFor(iface);
    }
}
