/**
 * task-sync-core: the API ({@code dev.tasksync}), the step-type SPI ({@code dev.tasksync.spi}) and the built-in
 * step types ({@code dev.tasksync.steps}); everything under {@code dev.tasksync.internal} stays encapsulated (but
 * the named-query helpers, for the console's module only).
 */
module dev.tasksync {
    exports dev.tasksync;
    exports dev.tasksync.spi;
    exports dev.tasksync.steps;
    // the named-query helpers (SqlFile, NamedQuery, Params): the console's SQL is a .sql file read as core reads its own
    exports dev.tasksync.internal.sql to dev.tasksync.console;

    // types of the API: DataSource, JsonNode (settings, results), HikariDataSource (ConnectionPool)
    requires transitive java.sql;
    requires transitive com.fasterxml.jackson.databind;
    requires transitive com.zaxxer.hikari;
    requires transitive micrometer.core; // TaskSync.builder().meterRegistry(MeterRegistry)
    requires java.management;
    requires org.jooq;
    requires org.jgrapht.core;
    requires org.postgresql.jdbc;
    requires org.slf4j;
    requires com.github.luben.zstd_jni; // full logs' chunks
    // Flyway 13 names no module: these are its jars' file-based names
    requires flyway.core;
    requires flyway.database.postgresql;
    // optional: TaskSync.embedded() checks for it by class name and says what to add when it is missing
    requires static dev.tasksync.embedded;

    uses dev.tasksync.spi.StepType;
    uses dev.tasksync.spi.StepTypeProvider;
    provides dev.tasksync.spi.StepType with dev.tasksync.steps.FileExistsStepType;
}
