package dev.tasksync.console;

/** A console that serves until closed. */
public interface RunningConsole extends AutoCloseable {
    /** The port it listens on (the one chosen when {@link ConsoleOptions#port()} was 0). */
    int port();

    /** Its address, such as {@code http://127.0.0.1:8064/}. */
    String url();

    /** True when users are defined and pages need a login; false in the loopback-only mode without users. */
    boolean loginRequired();

    @Override
    void close();
}
