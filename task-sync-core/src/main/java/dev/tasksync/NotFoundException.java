package dev.tasksync;

/** A task or step looked up by id or name does not exist. */
public class NotFoundException extends TaskSyncException {
    private final String kind;
    private final String key;

    public NotFoundException(String kind, Object key) {
        super("no " + kind + " " + (key instanceof String name ? "named '" + printable(name) + "'" : "with id " + key));
        this.kind = kind;
        this.key = String.valueOf(key);
    }

    /** The name as it can be shown: control characters and unpaired surrogates escaped, long names cut. */
    private static String printable(String name) {
        String s = name.length() > 100 ? name.substring(0, 100) : name;
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return name.length() > 100 ? sb + "... (" + name.length() + " characters)" : sb.toString();
    }

    /** "task" or "step". */
    public String kind() {
        return kind;
    }

    public String key() {
        return key;
    }
}
