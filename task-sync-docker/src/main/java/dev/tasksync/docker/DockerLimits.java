package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import dev.tasksync.spi.JsonSettings;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Limits for a container that runs untrusted code (the {@code limits} setting): on by default for
 * {@code docker_rubrics}, off by default for {@code docker_run} and {@code docker_shell}. Whatever the values, a
 * limited container is never privileged, has all capabilities dropped and runs with {@code no-new-privileges}.
 *
 * @param network        the container's network: {@code none} (the default: no network at all) or a Docker network's
 *                       name; never the host's
 * @param memoryBytes    memory limit, swap included (1 GiB by default)
 * @param cpus           how many CPUs' worth of time it may use (1 by default)
 * @param pids           how many processes it may have at once (256 by default; a fork bomb stops there)
 * @param timeoutSeconds the limit per command (per criterion for docker_rubrics) when the step sets none (600 s)
 */
public record DockerLimits(String network, long memoryBytes, double cpus, long pids, long timeoutSeconds) {
    public static final DockerLimits DEFAULTS = new DockerLimits("none", 1L << 30, 1.0, 256, 600);
    static final Set<String> FIELDS = Set.of("network", "memory", "cpus", "pids", "timeout_seconds");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]?)i?b?");

    public DockerLimits {
        if (network == null || network.isBlank()) {
            network = "none";
        }
        if (memoryBytes <= 0 || cpus <= 0 || pids <= 0 || timeoutSeconds <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /**
     * The {@code limits} field: {@code false} (none), {@code true} (the defaults) or an object overriding some
     * defaults; absent, {@code byDefault}.
     */
    static Optional<DockerLimits> parse(JsonSettings settings, boolean onByDefault) {
        Optional<JsonSettings> field = settings.optionalField("limits");
        if (field.isEmpty()) {
            return onByDefault ? Optional.of(DEFAULTS) : Optional.empty();
        }
        JsonSettings v = field.get();
        if (v.json().isBoolean()) {
            return v.asBoolean() ? Optional.of(DEFAULTS) : Optional.empty();
        }
        if (!v.isObject()) {
            throw v.invalid("must be true, false or an object with " + FIELDS);
        }
        Settings.onlyFields(v, FIELDS);
        String network = Settings.optionalNonBlank(v, "network").orElse(DEFAULTS.network);
        if (network.equals("host") || network.startsWith("container:")) {
            // The host's network reaches every service on its loopback (the task-sync database among them).
            throw v.field("network").invalid("must be \"none\" or the name of a Docker network; the host's network "
                    + "or another container's is not offered");
        }
        long memory = v.optionalField("memory").map(DockerLimits::bytes).orElse(DEFAULTS.memoryBytes);
        double cpus = v.optionalField("cpus").map(JsonSettings::asDouble).orElse(DEFAULTS.cpus);
        if (cpus <= 0) {
            throw v.field("cpus").invalid("must be positive");
        }
        long pids = v.optionalField("pids").map(JsonSettings::asLong).orElse(DEFAULTS.pids);
        if (pids <= 0) {
            throw v.field("pids").invalid("must be positive");
        }
        long timeout = Settings.timeout(v, "timeout_seconds").map(d -> d.toSeconds()).orElse(DEFAULTS.timeoutSeconds);
        return Optional.of(new DockerLimits(network, memory, cpus, pids, timeout));
    }

    /** A size: a number of bytes or a string like {@code "512m"}, {@code "1g"}, {@code "1GiB"}. */
    private static long bytes(JsonSettings v) {
        if (v.json().isNumber()) {
            long n = v.asLong();
            if (n <= 0) {
                throw v.invalid("must be positive");
            }
            return n;
        }
        Matcher m = SIZE.matcher(v.asNonBlankString().strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw v.invalid("expected a size such as 1073741824, \"512m\" or \"1g\"");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        if (n <= 0) {
            throw v.invalid("must be positive");
        }
        return n << shift;
    }

    /** Puts the limits on a container about to be created (merged into its host config, if it has one). */
    void applyTo(CreateContainerCmd cmd) {
        HostConfig host = cmd.getHostConfig() == null ? HostConfig.newHostConfig() : cmd.getHostConfig();
        host.withNetworkMode(network).withMemory(memoryBytes).withMemorySwap(memoryBytes)
                .withNanoCPUs((long) (cpus * 1_000_000_000L)).withPidsLimit(pids).withPrivileged(false)
                .withCapDrop(Capability.ALL).withSecurityOpts(List.of("no-new-privileges"));
        cmd.withHostConfig(host);
    }

    JsonNode toJson() {
        ObjectNode o = Settings.JSON.objectNode().put("network", network).put("memory", memoryBytes);
        if (cpus == Math.rint(cpus)) {
            o.put("cpus", (long) cpus);
        } else {
            o.put("cpus", cpus);
        }
        return o.put("pids", pids).put("timeout_seconds", timeoutSeconds);
    }
}
