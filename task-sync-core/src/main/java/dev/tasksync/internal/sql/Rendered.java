package dev.tasksync.internal.sql;

import java.util.List;

/** A named statement as JDBC text: its {@code ?} in order, and the parameter each binds. */
public record Rendered(NamedQuery query, String text, List<String> parameters) {
    public Rendered {
        parameters = List.copyOf(parameters);
    }

    /** The values, in order, of these parameters; fails on a parameter not given or one the statement does not have. */
    public Bound bind(Params params) {
        for (String given : params.names()) {
            if (!query.parameters().contains(given)) {
                throw new IllegalArgumentException(query.where() + " has no parameter :" + given);
            }
        }
        Object[] values = new Object[parameters.size()];
        for (int i = 0; i < values.length; i++) {
            String p = parameters.get(i);
            if (!params.has(p)) {
                throw new IllegalArgumentException(query.where() + " needs parameter :" + p);
            }
            values[i] = params.get(p);
        }
        return new Bound(text, values);
    }
}
