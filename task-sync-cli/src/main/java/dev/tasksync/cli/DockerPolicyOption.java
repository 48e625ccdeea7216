package dev.tasksync.cli;

import dev.tasksync.docker.DockerPolicy;
import picocli.CommandLine.Option;

/** The worker's Docker policy on the command line; the environment's when not given (see DockerPolicy). */
final class DockerPolicyOption {
    @Option(names = "--docker-mounts", paramLabel = "any|none|DIRS",
            description = "Bind mounts docker_run steps may use: any (default), none, or host directories separated by ':'"
                    + " that mount sources must lie in (as " + DockerPolicy.MOUNTS_ENV + ").")
    String mounts;

    @Option(names = "--no-host-shell",
            description = "Refuse docker_build's shell commands on this host (as " + DockerPolicy.HOST_SHELL_ENV + "=false).")
    boolean noHostShell;

    /** Sets the policy for the step types this process creates from now on; returns what to undo. */
    Runnable apply() {
        String oldMounts = System.getProperty(DockerPolicy.MOUNTS_PROPERTY);
        String oldShell = System.getProperty(DockerPolicy.HOST_SHELL_PROPERTY);
        if (mounts != null) {
            System.setProperty(DockerPolicy.MOUNTS_PROPERTY, mounts);
        }
        if (noHostShell) {
            System.setProperty(DockerPolicy.HOST_SHELL_PROPERTY, "false");
        }
        return () -> {
            restore(DockerPolicy.MOUNTS_PROPERTY, oldMounts);
            restore(DockerPolicy.HOST_SHELL_PROPERTY, oldShell);
        };
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
