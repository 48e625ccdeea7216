package dev.tasksync.internal.hashing;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The name of the machine this process runs on, as workers register it and the file index keys its rows. */
public final class LocalHost {
    private static volatile String name;

    private LocalHost() {
    }

    /** The host name (looked up once); HOSTNAME, else "localhost", when it cannot be looked up. */
    public static String name() {
        String n = name;
        if (n == null) {
            try {
                n = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                String env = System.getenv("HOSTNAME");
                n = env != null && !env.isBlank() ? env : "localhost";
            }
            name = n;
        }
        return n;
    }
}
