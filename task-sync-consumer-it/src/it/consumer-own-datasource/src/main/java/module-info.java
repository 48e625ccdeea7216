/** The application as a named module: it compiles against task-sync's module descriptors (exported API only). */
module app {
    requires dev.tasksync;
    requires dev.tasksync.docker;
}
