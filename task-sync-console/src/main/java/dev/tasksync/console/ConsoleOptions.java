package dev.tasksync.console;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where and how the console listens.
 *
 * @param bind          the address to bind ({@link #DEFAULT_BIND} by default); without users only a loopback
 *                      address is accepted
 * @param port          the port, 0 for any free one ({@link #DEFAULT_PORT} by default)
 * @param secureCookies mark the session cookie {@code Secure} even on plain HTTP: set it behind a reverse proxy
 *                      that terminates TLS (requests that arrive over HTTPS always get {@code Secure})
 * @param tlsCert       a PEM certificate chain (server certificate first) to serve HTTPS with, or null for HTTP
 * @param tlsKey        the PEM private key of {@code tlsCert}'s first certificate; given together with it
 */
public record ConsoleOptions(String bind, int port, boolean secureCookies, Path tlsCert, Path tlsKey) {
    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 8064;

    public ConsoleOptions {
        Objects.requireNonNull(bind, "bind");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, was " + port);
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException(tlsCert == null
                    ? "--tls-cert: missing; --tls-key needs the certificate it belongs to"
                    : "--tls-key: missing; --tls-cert needs its private key");
        }
    }

    public ConsoleOptions(String bind, int port, boolean secureCookies) {
        this(bind, port, secureCookies, null, null);
    }

    public static ConsoleOptions defaults() {
        return new ConsoleOptions(DEFAULT_BIND, DEFAULT_PORT, false);
    }

    public ConsoleOptions withBind(String bind) {
        return new ConsoleOptions(bind, port, secureCookies, tlsCert, tlsKey);
    }

    public ConsoleOptions withPort(int port) {
        return new ConsoleOptions(bind, port, secureCookies, tlsCert, tlsKey);
    }

    public ConsoleOptions withSecureCookies(boolean secureCookies) {
        return new ConsoleOptions(bind, port, secureCookies, tlsCert, tlsKey);
    }

    /** Serve HTTPS with this PEM certificate chain and PEM private key (the session cookie is then always Secure). */
    public ConsoleOptions withTls(Path cert, Path key) {
        return new ConsoleOptions(bind, port, secureCookies, cert, key);
    }

    public boolean tls() {
        return tlsCert != null;
    }
}
