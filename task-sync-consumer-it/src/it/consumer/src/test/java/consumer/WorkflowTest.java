package consumer;

import dev.tasksync.RunResult;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskSync;
import dev.tasksync.steps.FileExists;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user's project does with task-sync: the embedded default, one workflow, run twice. */
class WorkflowTest {

    @Test
    void runsAFileExistsWorkflowOnTheEmbeddedPostgreSql(@TempDir Path sources) throws Exception {
        Files.writeString(sources.resolve("go.mod"), "module app\n");
        Path home = Paths.get(System.getenv("TASKSYNC_HOME"));

        try (TaskSync taskSync = TaskSync.embedded()) {
            Task task = taskSync.save(TaskDefinition.named("consumer")
                    .localPath(sources.toString())
                    .step("Check sources", FileExists.of("go.mod"))
                    .build());

            RunResult first = taskSync.run(task);
            assertTrue(first.succeeded(), first.toString());
            assertEquals(1, first.count(StepStatus.COMPLETED));
            assertTrue(first.steps().get(0).executed(), first.toString());
            assertTrue(!taskSync.run(task).steps().get(0).executed(), "second run: up to date");

            // task-sync-docker's types are found through ServiceLoader, as in the CLI.
            assertTrue(taskSync.stepTypes().contains("docker_run"), taskSync.stepTypes().toString());

            try (Connection connection = taskSync.dataSource().getConnection();
                 Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SHOW server_version")) {
                rs.next();
                // Read by verify.groovy, which asserts the major version.
                System.out.println("consumer: server_version=" + rs.getString(1));
            }
        }
        assertTrue(Files.isDirectory(home.resolve("postgres")), "data under TASKSYNC_HOME " + home);
    }
}
