package dev.tasksync.internal.console;

import dev.tasksync.TaskSync;
import dev.tasksync.internal.sql.Rendered;
import dev.tasksync.internal.sql.SqlFile;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The console's named statements ({@code console.sql}, read with core's named-query helpers as
 * {@code ClaimStatements} reads {@code claims.sql}) with the tables they use in one task-sync's schema.
 */
final class ConsoleSql {
    /** Parsed when the class loads, so a typo fails at startup. */
    static final SqlFile SQL = SqlFile.load(ConsoleSql.class, "console.sql");
    /** Every table {@code console.sql} names as {@code ${table}}. */
    private static final List<String> TABLES = List.of("tasks", "steps", "console_users", "console_sessions", "console_audit");

    private final Map<String, String> tables;

    ConsoleSql(TaskSync taskSync) {
        DSLContext dsl = DSL.using(SQLDialect.POSTGRES);
        this.tables = TABLES.stream().collect(Collectors.toUnmodifiableMap(t -> t,
                t -> dsl.render(DSL.table(DSL.name(taskSync.schema(), t)))));
    }

    /** The statement {@code name} on this schema's tables (rendered once, then cached by the query). */
    Rendered statement(String name) {
        return SQL.query(name).render(tables);
    }
}
