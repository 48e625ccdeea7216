package consumer;

import dev.tasksync.TaskSync;
import dev.tasksync.TaskSyncException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without task-sync-embedded, TaskSync.embedded() fails at once and names the artifact to add. */
class OwnDataSourceTest {

    @Test
    void theEmbeddedServerIsNotThereAndTheMessageSaysWhatToAdd() {
        TaskSyncException e = assertThrows(TaskSyncException.class, TaskSync::embedded);
        assertTrue(e.getMessage().contains("add the dependency dev.tasksync:task-sync-embedded"), e.getMessage());
        Path home = Paths.get(System.getenv("TASKSYNC_HOME"));
        assertFalse(Files.exists(home.resolve("postgres")), "no data directory was created in " + home);
    }
}
