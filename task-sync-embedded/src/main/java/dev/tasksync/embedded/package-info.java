/**
 * The embedded PostgreSQL 17 (zonky's server binaries from Maven Central) that {@code TaskSync.embedded()}
 * and the CLI use when no database is configured: {@link dev.tasksync.embedded.EmbeddedServer} for a server
 * owned by one process, {@link dev.tasksync.embedded.SharedServer} for the CLI's server kept running between
 * commands. Every connection needs the generated password kept owner-only by
 * {@link dev.tasksync.embedded.PasswordFile}.
 *
 * <p>Artifact {@code dev.tasksync:task-sync-embedded}; an application that passes its own DataSource or JDBC
 * URL to task-sync does not need it (nor the PostgreSQL binaries it brings).
 */
package dev.tasksync.embedded;
