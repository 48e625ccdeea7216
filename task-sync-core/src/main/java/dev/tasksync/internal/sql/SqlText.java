package dev.tasksync.internal.sql;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SQL with {@code :name} parameters and {@code ${name}} identifiers, scanned once: parameters become {@code ?};
 * string literals, quoted identifiers, comments and {@code ::casts} are left as they are.
 */
record SqlText(String jdbc, List<String> parameters, Set<String> identifiers) {

    /** Scans {@code sql}; {@code identifiers} fills in {@code ${name}} (null: leave them, only collect their names). */
    static SqlText parse(String where, String sql, Map<String, String> identifiers) {
        StringBuilder out = new StringBuilder(sql.length());
        List<String> params = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char ch = sql.charAt(i);
            if (ch == '\'' || ch == '"') {
                int end = closing(sql, i, ch);
                if (end < 0) {
                    throw new IllegalStateException(where + ": unterminated " + (ch == '\'' ? "string literal" : "quoted identifier"));
                }
                out.append(sql, i, end + 1);
                i = end + 1;
            } else if (ch == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(sql, i, end);
                i = end;
            } else if (ch == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new IllegalStateException(where + ": unterminated comment");
                }
                out.append(sql, i, end + 2);
                i = end + 2;
            } else if (ch == ':' && i + 1 < n && sql.charAt(i + 1) == ':') {
                out.append("::");
                i += 2;
            } else if (ch == ':' && i + 1 < n && isStart(sql.charAt(i + 1))) {
                int end = nameEnd(sql, i + 1);
                params.add(sql.substring(i + 1, end));
                out.append('?');
                i = end;
            } else if (ch == '$' && i + 1 < n && sql.charAt(i + 1) == '{') {
                int end = sql.indexOf('}', i);
                String name = end < 0 ? "" : sql.substring(i + 2, end);
                if (name.isEmpty() || nameEnd(name, 0) != name.length() || !isStart(name.charAt(0))) {
                    throw new IllegalStateException(where + ": bad identifier placeholder at '" + sql.substring(i, Math.min(n, i + 20)) + "'");
                }
                names.add(name);
                if (identifiers == null) {
                    out.append(sql, i, end + 1);
                } else {
                    String value = identifiers.get(name);
                    if (value == null) {
                        throw new IllegalArgumentException(where + " needs identifier ${" + name + "}");
                    }
                    out.append(value);
                }
                i = end + 1;
            } else if (ch == '?') {
                throw new IllegalStateException(where + ": a '?' outside a literal (name the parameter, :name)");
            } else {
                out.append(ch);
                i++;
            }
        }
        return new SqlText(out.toString(), List.copyOf(params), Set.copyOf(names));
    }

    /** The index of the quote that closes the one at {@code start} (a doubled quote is part of the text), or -1. */
    private static int closing(String sql, int start, char quote) {
        int i = start + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i;
            }
            i++;
        }
        return -1;
    }

    private static boolean isStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static int nameEnd(String s, int from) {
        int i = from;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        return i;
    }
}
