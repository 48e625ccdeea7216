package dev.tasksync.console;

import java.util.Objects;

/**
 * Where and how the console listens.
 *
 * @param bind          the address to bind ({@link #DEFAULT_BIND} by default); without users only a loopback
 *                      address is accepted
 * @param port          the port, 0 for any free one ({@link #DEFAULT_PORT} by default)
 * @param secureCookies mark the session cookie {@code Secure} even on plain HTTP: set it behind a reverse proxy
 *                      that terminates TLS (requests that arrive over HTTPS always get {@code Secure})
 */
public record ConsoleOptions(String bind, int port, boolean secureCookies) {
    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 8064;

    public ConsoleOptions {
        Objects.requireNonNull(bind, "bind");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, was " + port);
        }
    }

    public static ConsoleOptions defaults() {
        return new ConsoleOptions(DEFAULT_BIND, DEFAULT_PORT, false);
    }

    public ConsoleOptions withBind(String bind) {
        return new ConsoleOptions(bind, port, secureCookies);
    }

    public ConsoleOptions withPort(int port) {
        return new ConsoleOptions(bind, port, secureCookies);
    }

    public ConsoleOptions withSecureCookies(boolean secureCookies) {
        return new ConsoleOptions(bind, port, secureCookies);
    }
}
