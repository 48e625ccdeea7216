package dev.tasksync.console;

import dev.tasksync.TaskSync;
import dev.tasksync.TaskSyncException;
import dev.tasksync.internal.console.ConsoleServer;
import dev.tasksync.internal.console.UserStore;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The web console: pages and a JSON API ({@code /api/...}, described at {@code /api/openapi.yaml}) over a
 * {@link TaskSync}. With users defined ({@link ConsoleUsers#add}) every page needs a login; without any the
 * console binds only to a loopback address and needs none.
 */
public final class Console {
    private Console() {
    }

    /**
     * Starts serving {@code taskSync} (which stays open: close the console first, then it).
     *
     * @throws TaskSyncException when no user is defined and {@code options} bind to an address other than loopback
     */
    public static RunningConsole start(TaskSync taskSync, ConsoleOptions options) {
        UserStore users = new UserStore(taskSync);
        if (!users.any() && !isLoopback(options.bind())) {
            throw new TaskSyncException("--bind " + options.bind() + ": no console user is defined, so the console"
                    + " serves only on loopback (127.0.0.1). Add one first: task-sync user add NAME --role admin"
                    + " (it reads the password from stdin)");
        }
        return ConsoleServer.start(taskSync, users, options);
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new TaskSyncException("--bind " + host + ": not an address of this machine (" + e.getMessage() + ")");
        }
    }
}
