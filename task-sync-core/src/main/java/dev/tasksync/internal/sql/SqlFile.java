package dev.tasksync.internal.sql;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Named SQL statements read from a {@code .sql} resource, parsed once (at class load) so that a typo fails at
 * startup, not at the first claim. A file holds sections:
 *
 * <pre>
 * -- name: heartbeat
 * -- A comment line is dropped.
 * UPDATE ${steps} SET lease_expires_at = now() + :lease_millis * interval '1 millisecond'
 *   AND status = :status -- if: fenced
 * -- include: runnable -- if: claiming !batch
 * </pre>
 *
 * {@code :name} is a parameter bound by name (not inside a literal, a quoted identifier, a comment or a
 * {@code ::cast}); {@code ${name}} is an identifier (a table in the configured schema) filled in once per
 * engine; a line ending in {@code -- if: a !b} is kept only when flag {@code a} is set and {@code b} is not;
 * {@code -- include: other} inserts section {@code other}'s lines (under the include's own condition, if any).
 * A statement's text starts with {@code /* name *}{@code /} so that logs and tests can tell statements by name.
 */
public final class SqlFile {
    private final String resource;
    private final Map<String, NamedQuery> queries;

    private SqlFile(String resource, Map<String, NamedQuery> queries) {
        this.resource = resource;
        this.queries = queries;
    }

    /** Reads and parses {@code resource}, relative to {@code anchor}'s package; fails when it is missing or malformed. */
    public static SqlFile load(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("SQL resource " + resource + " not found next to " + anchor.getName());
            }
            return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read SQL resource " + resource, e);
        }
    }

    /** Parses the text of a file named {@code resource} (for messages). */
    public static SqlFile parse(String resource, String text) {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        List<String> current = null;
        int number = 0;
        for (String line : text.split("\r?\n", -1)) {
            number++;
            String trimmed = line.strip();
            if (trimmed.startsWith("-- name:")) {
                String name = trimmed.substring("-- name:".length()).strip();
                if (!name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                    throw new IllegalStateException(resource + ":" + number + ": bad query name '" + name + "'");
                }
                if (sections.containsKey(name)) {
                    throw new IllegalStateException(resource + ":" + number + ": query '" + name + "' is named twice");
                }
                current = new ArrayList<>();
                sections.put(name, current);
            } else if (!trimmed.isEmpty()) {
                if (current == null) {
                    if (trimmed.startsWith("--")) {
                        continue; // the file's own comments, before its first section
                    }
                    throw new IllegalStateException(resource + ":" + number + ": SQL before the first '-- name:'");
                }
                current.add(line);
            }
        }
        Map<String, NamedQuery> queries = new LinkedHashMap<>();
        for (String name : sections.keySet()) {
            List<NamedQuery.Line> lines = new ArrayList<>();
            expand(resource, sections, name, List.of(), new ArrayList<>(), lines);
            if (lines.isEmpty()) {
                throw new IllegalStateException(resource + ": query '" + name + "' has no SQL");
            }
            queries.put(name, new NamedQuery(resource, name, lines));
        }
        return new SqlFile(resource, Map.copyOf(queries));
    }

    private static void expand(String resource, Map<String, List<String>> sections, String name, List<String> outer,
                               List<String> path, List<NamedQuery.Line> into) {
        if (path.contains(name)) {
            throw new IllegalStateException(resource + ": query '" + name + "' includes itself (" + String.join(" > ", path) + ")");
        }
        path.add(name);
        for (String line : sections.get(name)) {
            String sql = line;
            List<String> condition = new ArrayList<>(outer);
            int at = line.lastIndexOf("-- if:");
            if (at >= 0) {
                condition.addAll(List.of(line.substring(at + "-- if:".length()).strip().split("\\s+")));
                sql = line.substring(0, at);
            }
            String trimmed = sql.strip();
            if (trimmed.startsWith("-- include:")) {
                String included = trimmed.substring("-- include:".length()).strip();
                if (!sections.containsKey(included)) {
                    throw new IllegalStateException(resource + ": query '" + name + "' includes unknown query '" + included + "'");
                }
                expand(resource, sections, included, condition, path, into);
            } else if (!trimmed.startsWith("--") && !trimmed.isEmpty()) {
                into.add(new NamedQuery.Line(sql.stripTrailing(), List.copyOf(condition)));
            }
        }
        path.remove(path.size() - 1);
    }

    /** The query named {@code name}; fails when this file has none. */
    public NamedQuery query(String name) {
        NamedQuery q = queries.get(name);
        if (q == null) {
            throw new IllegalArgumentException(resource + " has no query named '" + name + "' (it has " + names() + ")");
        }
        return q;
    }

    public Set<String> names() {
        return new TreeSet<>(queries.keySet());
    }
}
