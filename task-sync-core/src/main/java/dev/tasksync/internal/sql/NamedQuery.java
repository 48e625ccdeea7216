package dev.tasksync.internal.sql;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One named statement of a {@link SqlFile}: its lines, each kept under a condition on flags, with named
 * parameters and identifiers. {@link #render} turns it into JDBC text once per set of flags and identifiers.
 */
public final class NamedQuery {
    /** A line of SQL and the flags it needs ({@code !flag}: needs it unset). */
    record Line(String sql, List<String> condition) {
        boolean kept(Set<String> flags) {
            for (String c : condition) {
                if (c.startsWith("!") ? flags.contains(c.substring(1)) : !flags.contains(c)) {
                    return false;
                }
            }
            return true;
        }
    }

    private final String resource;
    private final String name;
    private final List<Line> lines;
    private final Set<String> flags = new HashSet<>();
    private final Set<String> parameters;
    private final Set<String> identifiers;
    private final Map<Key, Rendered> rendered = new ConcurrentHashMap<>();

    private record Key(Set<String> flags, Map<String, String> identifiers) {
    }

    NamedQuery(String resource, String name, List<Line> lines) {
        this.resource = resource;
        this.name = name;
        this.lines = List.copyOf(lines);
        for (Line l : lines) {
            l.condition().forEach(c -> flags.add(c.startsWith("!") ? c.substring(1) : c));
        }
        // Parsing every line at load checks the syntax of each variant and collects every name used.
        SqlText all = SqlText.parse(where(), join(this.lines), null);
        this.parameters = Set.copyOf(new LinkedHashSet<>(all.parameters()));
        this.identifiers = Set.copyOf(all.identifiers());
    }

    public String name() {
        return name;
    }

    /** Every parameter some variant of this statement binds. */
    public Set<String> parameters() {
        return parameters;
    }

    /** Every identifier ({@code ${name}}) the statement uses. */
    public Set<String> identifiers() {
        return identifiers;
    }

    /** The comment a statement named {@code name} starts with: what tests and logs match on. */
    public static String tag(String name) {
        return "/* " + name + " */";
    }

    /** True when the JDBC text {@code sql} is the statement named {@code name} (or starts with it). */
    public static boolean is(String sql, String name) {
        return sql != null && sql.startsWith(tag(name));
    }

    /**
     * The JDBC text (with {@code ?}) of the lines {@code flags} keep, with {@code identifiers} filled in;
     * computed once per combination. Fails on a flag this statement does not know or a missing identifier.
     */
    public Rendered render(Map<String, String> identifiers, Set<String> flags) {
        Key key = new Key(flags, identifiers);
        Rendered r = rendered.get(key);
        if (r == null) {
            for (String f : flags) {
                if (!this.flags.contains(f)) {
                    throw new IllegalArgumentException(where() + " has no flag '" + f + "' (it has " + this.flags + ")");
                }
            }
            List<Line> kept = new ArrayList<>();
            for (Line l : lines) {
                if (l.kept(flags)) {
                    kept.add(l);
                }
            }
            SqlText text = SqlText.parse(where(), join(kept), identifiers);
            r = new Rendered(this, tag(name) + " " + text.jdbc(), text.parameters());
            rendered.put(new Key(Set.copyOf(flags), Map.copyOf(identifiers)), r);
        }
        return r;
    }

    /**
     * This statement's text with {@code identifiers} filled in and no name tag, for Java to inline into a statement
     * of its own (the same section another statement includes); fails when it has parameters or flags, which the
     * statement it goes into could not bind or choose.
     */
    public String fragment(Map<String, String> identifiers) {
        if (!parameters.isEmpty() || !flags.isEmpty()) {
            throw new IllegalStateException(where() + " cannot be inlined: it has parameters " + parameters + " or flags " + flags);
        }
        return render(identifiers, Set.of()).text().substring(tag(name).length() + 1);
    }

    public Rendered render(Map<String, String> identifiers, String... flags) {
        return render(identifiers, Set.of(flags));
    }

    String where() {
        return "query '" + name + "' of " + resource;
    }

    private static String join(List<Line> lines) {
        StringBuilder b = new StringBuilder();
        for (Line l : lines) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(l.sql().strip());
        }
        return b.toString();
    }
}
