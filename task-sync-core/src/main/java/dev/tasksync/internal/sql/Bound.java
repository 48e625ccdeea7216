package dev.tasksync.internal.sql;

import org.jooq.DSLContext;
import org.jooq.Param;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * JDBC text and the values of its {@code ?}, in order; possibly several statements, which pgjdbc sends in one
 * round trip and one implicit transaction.
 */
public record Bound(String text, Object[] values) {
    /** {@code before}, then this statement. */
    public Bound after(Query before) {
        return join(before.getSQL(), before.getBindValues(), text, Arrays.asList(values));
    }

    /** This statement, then {@code after}. */
    public Bound then(Query after) {
        return join(text, Arrays.asList(values), after.getSQL(), after.getBindValues());
    }

    private static Bound join(String first, List<?> firstValues, String second, List<?> secondValues) {
        List<Object> all = new ArrayList<>(firstValues);
        all.addAll(secondValues);
        return new Bound(first + "; " + second, all.toArray());
    }

    /** This statement as a jOOQ query on {@code t} (sent when the caller fetches it), its values typed as {@link #prepare} binds them. */
    public ResultQuery<Record> query(DSLContext t) {
        return t.resultQuery(text, (Object[]) params());
    }

    /** Sends this statement (one that returns no rows) on {@code t}; returns the rows it changed. */
    public int execute(DSLContext t) {
        return t.execute(text, (Object[]) params());
    }

    private Param<?>[] params() {
        Param<?>[] params = new Param<?>[values.length];
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            params[i] = v instanceof Integer[] ids ? DSL.val(ids, SQLDataType.INTEGER.getArrayDataType())
                    : v instanceof Long[] longs ? DSL.val(longs, SQLDataType.BIGINT.getArrayDataType())
                    : v instanceof String[] texts ? DSL.val(texts, SQLDataType.CLOB.getArrayDataType())
                    : v == null ? DSL.val(null, SQLDataType.VARCHAR)
                    : DSL.val(v);
        }
        return params;
    }

    /** Prepares the text on {@code c} and binds the values: arrays as {@code int4[]}, {@code int8[]} or {@code text[]}. */
    public PreparedStatement prepare(Connection c) throws SQLException {
        PreparedStatement ps = c.prepareStatement(text);
        try {
            for (int i = 0; i < values.length; i++) {
                Object v = values[i];
                if (v instanceof Integer[] ids) {
                    ps.setArray(i + 1, c.createArrayOf("int4", ids));
                } else if (v instanceof Long[] longs) {
                    ps.setArray(i + 1, c.createArrayOf("int8", longs));
                } else if (v instanceof String[] texts) {
                    ps.setArray(i + 1, c.createArrayOf("text", texts));
                } else if (v == null) {
                    ps.setNull(i + 1, Types.VARCHAR);
                } else {
                    ps.setObject(i + 1, v);
                }
            }
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
        return ps;
    }
}
