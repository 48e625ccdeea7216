package dev.tasksync.docker;

/** Docker API version arithmetic ("1.41" style versions). */
final class ApiVersions {
    private ApiVersions() {
    }

    static int[] parse(String version) {
        String v = version.strip();
        if (v.startsWith("v")) {
            v = v.substring(1);
        }
        String[] parts = v.split("\\.");
        if (parts.length != 2) {
            throw new IllegalArgumentException("not a Docker API version (expected e.g. 1.41): " + version);
        }
        try {
            return new int[]{Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a Docker API version (expected e.g. 1.41): " + version);
        }
    }

    static int compare(String a, String b) {
        int[] x = parse(a);
        int[] y = parse(b);
        return x[0] != y[0] ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]);
    }

    /**
     * The version to speak: the lower of the engine's maximum and the client's maximum, but never below the
     * engine's minimum (an engine newer than this client is then spoken to at its oldest accepted version).
     */
    static String negotiate(String serverMax, String serverMin, String clientMax) {
        String chosen = compare(serverMax, clientMax) <= 0 ? serverMax : clientMax;
        if (serverMin != null && !serverMin.isBlank() && compare(chosen, serverMin) < 0) {
            chosen = serverMin;
        }
        return chosen.startsWith("v") ? chosen.substring(1) : chosen;
    }
}
