package dev.tasksync.docker;

import dev.tasksync.spi.JsonSettings;

import java.util.regex.Pattern;

/**
 * Docker's reference grammar (distribution/reference): {@code [registry[:port]/]name[:tag][@digest]},
 * name components lowercase; and the forms an image id may take. Checked when a step is written,
 * so a bad tag is refused then instead of failing at run time inside the engine's API.
 */
final class ImageReference {
    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String HOST = "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])";
    private static final String DOMAIN = HOST + "(?::[0-9]+)?";
    private static final String NAME = "(?:" + DOMAIN + "/)?" + COMPONENT + "(?:/" + COMPONENT + ")*";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    private static final Pattern REFERENCE = Pattern.compile("(" + NAME + ")(?::" + TAG + ")?(@" + DIGEST + ")?");
    /** An image id as Docker prints it: full or a prefix of at least 12 hex digits, with or without {@code sha256:}. */
    private static final Pattern ID = Pattern.compile("(?:sha256:)?[0-9a-f]{12,64}");
    /** What docker_shell's container_id takes: a container id or a unique prefix of it. */
    private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{1,64}");
    private static final int MAX_NAME_LENGTH = 255;
    /** A name, a tag and a long digest fit; longer input is refused before the pattern sees it. */
    private static final int MAX_REFERENCE_LENGTH = 1024;
    private static final String FORM = "expected [registry[:port]/]name[:tag][@digest] with a lowercase name,"
            + " such as my-app:1.0 or registry.example.com:5000/team/app:2";

    private ImageReference() {
    }

    /** The string value of {@code field}, which must be an image reference (a digest only if allowed). */
    static String check(JsonSettings field, boolean digestAllowed) {
        String ref = field.asNonBlankString();
        if (ref.length() > MAX_REFERENCE_LENGTH) {
            throw field.invalid("the image reference is " + ref.length() + " characters long; at most "
                    + MAX_REFERENCE_LENGTH + " are allowed");
        }
        var m = REFERENCE.matcher(ref);
        if (!m.matches()) {
            String hint = !ref.equals(ref.toLowerCase()) && REFERENCE.matcher(ref.toLowerCase()).matches()
                    ? " (image names must be lowercase)" : "";
            throw field.invalid("'" + printable(ref) + "' is not a valid image reference" + hint + ": " + FORM);
        }
        if (m.group(1).length() > MAX_NAME_LENGTH) {
            throw field.invalid("the image name is " + m.group(1).length() + " characters long; at most "
                    + MAX_NAME_LENGTH + " are allowed");
        }
        if (m.group(2) != null && !digestAllowed) {
            throw field.invalid("'" + printable(ref) + "' has a digest (@...); a built image is tagged by name[:tag]");
        }
        return ref;
    }

    /** An image id (full or a prefix of 12+ hex digits, optionally sha256:) or a digest reference name@sha256:... */
    static String checkId(JsonSettings field) {
        String id = field.asNonBlankString();
        if (id.length() > MAX_REFERENCE_LENGTH) {
            throw field.invalid("the image id is " + id.length() + " characters long; at most " + MAX_REFERENCE_LENGTH);
        }
        if (ID.matcher(id).matches()) {
            return id;
        }
        var m = REFERENCE.matcher(id);
        if (m.matches() && m.group(2) != null) {
            return id;
        }
        throw field.invalid("'" + printable(id) + "' is not an image id: expected sha256:<64 hex digits>, a prefix of"
                + " at least 12 hex digits, or a digest reference such as my-app@sha256:<64 hex digits>");
    }

    static String checkContainerId(JsonSettings field) {
        String id = field.asNonBlankString();
        if (!CONTAINER_ID.matcher(id).matches()) {
            throw field.invalid("'" + printable(id) + "' is not a container id (lowercase hex digits, at most 64);"
                    + " use container_name for a name");
        }
        return id;
    }

    // ---- acr16: registries for docker_build's push
    private static final Pattern REGISTRY = Pattern.compile("(" + HOST + ")(?::([0-9]{1,5}))?");

    /** A registry as {@code host[:port]} (no scheme, no path), e.g. {@code localhost:5000} or {@code registry.example.com}. */
    static String checkRegistry(JsonSettings field) {
        String registry = field.asNonBlankString();
        if (registry.contains("://")) {
            throw field.invalid("'" + printable(registry) + "' has a scheme; give host[:port] only, such as localhost:5000");
        }
        var m = REGISTRY.matcher(registry);
        if (registry.length() > MAX_NAME_LENGTH || !m.matches()) {
            throw field.invalid("'" + printable(registry) + "' is not a registry: expected host[:port], such as localhost:5000"
                    + " or registry.example.com");
        }
        if (m.group(2) != null && (Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535)) {
            throw field.invalid("port " + m.group(2) + " of '" + registry + "' is not between 1 and 65535");
        }
        return registry;
    }

    /** The registry a reference names ({@code host[:port]} before the first slash, as Docker reads it), or null. */
    static String registryOf(String ref) {
        int slash = ref.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String first = ref.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : null;
    }

    /** {@code ref} in {@code registry}: its own registry, if any, replaced. */
    static String inRegistry(String registry, String ref) {
        String own = registryOf(ref);
        return registry + "/" + (own == null ? ref : ref.substring(own.length() + 1));
    }

    /** Repository and tag of a reference without a digest: {@code localhost:5000/app:1} → [localhost:5000/app, 1]. */
    static String[] repositoryAndTag(String ref) {
        int colon = ref.lastIndexOf(':');
        return colon > ref.lastIndexOf('/') ? new String[] {ref.substring(0, colon), ref.substring(colon + 1)}
                : new String[] {ref, "latest"};
    }
    // ---- end acr16

    private static String printable(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        StringBuilder sb = new StringBuilder();
        t.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }
}
