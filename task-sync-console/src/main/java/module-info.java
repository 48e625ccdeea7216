/**
 * task-sync-console: the web console's API ({@code dev.tasksync.console}: {@code Console.start}, its options and
 * users); the server, pages and SQL under {@code dev.tasksync.internal.console} stay encapsulated.
 */
module dev.tasksync.console {
    exports dev.tasksync.console;

    requires transitive dev.tasksync; // Console.start(TaskSync, ...), ConsoleUsers.of(TaskSync)
    requires java.sql;
    requires io.javalin;
    requires org.eclipse.jetty.server; // TLS connectors (serve --tls-cert/--tls-key)
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.util;
    requires gg.jte.runtime;
    requires static java.compiler; // @javax.annotation.processing.Generated on the precompiled templates (source only)
    requires spring.security.crypto; // BCrypt (an automatic module: the name of its manifest)
    requires org.bouncycastle.pkix; // PEM keys
    requires org.bouncycastle.provider;
    requires com.fasterxml.jackson.databind;
    requires org.jooq;
    requires org.slf4j;

    // core's SqlFile reads console.sql through Class.getResourceAsStream of a class of this package: a named
    // module's resources are found only where the package is open to the module that reads them
    opens dev.tasksync.internal.console to dev.tasksync;
    // jte finds the templates precompiled into this module by class name and calls them reflectively
    opens gg.jte.generated.precompiled to gg.jte.runtime;
}
