package app;

import dev.tasksync.TaskSync;
import dev.tasksync.docker.DockerRun;

import javax.sql.DataSource;

/** An application with a database of its own: it opens task-sync on its DataSource. */
public final class App {
    private App() {
    }

    public static TaskSync open(DataSource dataSource) {
        return TaskSync.connect(dataSource);
    }

    /** The Docker module's public types are readable too. */
    public static String dockerRunType() {
        return DockerRun.class.getSimpleName();
    }
}
