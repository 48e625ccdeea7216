/** task-sync-docker: the Docker step types, found by ServiceLoader through {@link dev.tasksync.spi.StepTypeProvider}. */
module dev.tasksync.docker {
    exports dev.tasksync.docker;

    requires transitive dev.tasksync;
    requires com.github.dockerjava.api;
    requires com.github.dockerjava.core;
    requires com.github.dockerjava.transport;
    requires com.github.dockerjava.transport.httpclient5;
    requires org.apache.commons.compress;
    requires io.github.javadiffutils;
    requires org.slf4j;

    provides dev.tasksync.spi.StepTypeProvider with dev.tasksync.docker.DockerStepTypeProvider;
}
