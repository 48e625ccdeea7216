package dev.tasksync.docker;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What Docker steps may ask of the worker's machine, decided by whoever operates the worker (not by whoever writes
 * steps). The default, {@link #permissive()}, is today's behaviour: any bind mount, and {@code docker_build}'s host
 * {@code shell} commands. It stays the default because writing a step already means running code as the worker's
 * user (a {@code shell} command can do what a mount can), so a half-closed default would only look safe; an
 * operator who lets others write steps closes both: {@code TASKSYNC_DOCKER_MOUNTS=none} and
 * {@code TASKSYNC_DOCKER_HOST_SHELL=false}, or {@code DockerStepTypes.all(connection, DockerPolicy.restricted())}.
 *
 * <p>The policy is the executing worker's: a step that asks for what it forbids fails when it runs there (its attempt
 * is recorded as failed, nothing is created), with a message naming the setting. It is not checked when a step is
 * created: the process creating steps (a CLI on a laptop) is often not the one executing them (a worker on a
 * build box), and only the latter's policy counts.
 * ({@code docker_run} offers no {@code privileged}, capabilities or host network, so there is nothing to allow there.)
 *
 * @param allowHostMounts whether {@code docker_run} may bind-mount host paths at all
 * @param mountRoots      when not empty, bind-mount sources must lie inside one of these host directories
 * @param allowHostShell  whether {@code docker_build} may run its {@code shell} commands on the host
 */
public record DockerPolicy(boolean allowHostMounts, List<Path> mountRoots, boolean allowHostShell) {
    /** {@code any} (default), {@code none}, or host directories separated by {@code :} that mount sources must lie in. */
    public static final String MOUNTS_ENV = "TASKSYNC_DOCKER_MOUNTS";
    /** {@code true} (default) or {@code false}: whether {@code docker_build} may run host {@code shell} commands. */
    public static final String HOST_SHELL_ENV = "TASKSYNC_DOCKER_HOST_SHELL";
    /** The system property read before {@link #MOUNTS_ENV} (the CLI's {@code --docker-mounts} sets it). */
    public static final String MOUNTS_PROPERTY = "tasksync.docker.mounts";
    /** The system property read before {@link #HOST_SHELL_ENV} (the CLI's {@code --no-host-shell} sets it). */
    public static final String HOST_SHELL_PROPERTY = "tasksync.docker.host-shell";

    public DockerPolicy {
        mountRoots = mountRoots == null ? List.of() : mountRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }

    /** Any bind mount, host shell commands allowed: the behaviour without a policy. */
    public static DockerPolicy permissive() {
        return new DockerPolicy(true, List.of(), true);
    }

    /** No bind mounts and no host shell commands: steps reach the host only through what they copy in. */
    public static DockerPolicy restricted() {
        return new DockerPolicy(false, List.of(), false);
    }

    /** This policy, with bind mounts allowed only from inside {@code roots}. */
    public DockerPolicy withMountRoots(Path... roots) {
        return new DockerPolicy(true, List.of(roots), allowHostShell);
    }

    /** This policy, with or without bind mounts. */
    public DockerPolicy withHostMounts(boolean allow) {
        return new DockerPolicy(allow, mountRoots, allowHostShell);
    }

    /** This policy, with or without host shell commands. */
    public DockerPolicy withHostShell(boolean allow) {
        return new DockerPolicy(allowHostMounts, mountRoots, allow);
    }

    /**
     * The policy named by the system properties {@link #MOUNTS_PROPERTY} and {@link #HOST_SHELL_PROPERTY}, else the
     * environment variables {@link #MOUNTS_ENV} and {@link #HOST_SHELL_ENV}; permissive where none is set.
     */
    public static DockerPolicy fromEnvironment() {
        return from(System.getProperty(MOUNTS_PROPERTY, System.getenv(MOUNTS_ENV)),
                System.getProperty(HOST_SHELL_PROPERTY, System.getenv(HOST_SHELL_ENV)));
    }

    static DockerPolicy from(String mounts, String hostShell) {
        DockerPolicy p = permissive();
        if (mounts != null && !mounts.isBlank()) {
            String m = mounts.strip();
            if (m.equalsIgnoreCase("none")) {
                p = p.withHostMounts(false);
            } else if (!m.equalsIgnoreCase("any")) {
                p = p.withMountRoots(Arrays.stream(m.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of)
                        .toArray(Path[]::new));
            }
        }
        if (hostShell != null && !hostShell.isBlank()) {
            String h = hostShell.strip().toLowerCase(Locale.ROOT);
            if (!h.equals("true") && !h.equals("false")) {
                throw new IllegalArgumentException(HOST_SHELL_ENV + " must be true or false, got '" + hostShell + "'");
            }
            p = p.withHostShell(h.equals("true"));
        }
        return p;
    }

    /**
     * Why a bind mount of {@code source} (a host path, absolute once resolved) is refused, or empty when allowed.
     */
    Optional<String> refuseMount(String written, Path source) {
        if (!allowHostMounts) {
            return Optional.of("bind mount of host path '" + written + "' refused: this worker's Docker policy allows no"
                    + " host mounts (" + MOUNTS_ENV + "=none, --docker-mounts none or DockerPolicy.allowHostMounts false)");
        }
        if (!mountRoots.isEmpty()) {
            Path abs = source.toAbsolutePath().normalize();
            if (mountRoots.stream().noneMatch(abs::startsWith)) {
                return Optional.of("bind mount of host path '" + written + "' (" + abs + ") refused: this worker's Docker"
                        + " policy allows mounts only from " + mountRoots + " (" + MOUNTS_ENV + ", --docker-mounts or DockerPolicy.mountRoots)");
            }
        }
        return Optional.empty();
    }

    /** Why host shell commands are refused, or empty when allowed. */
    Optional<String> refuseHostShell() {
        return allowHostShell ? Optional.empty() : Optional.of("shell commands on the host refused: this worker's Docker"
                + " policy allows none (" + HOST_SHELL_ENV + "=false, --no-host-shell or DockerPolicy.allowHostShell false)");
    }
}
