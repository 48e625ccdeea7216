package dev.tasksync;

import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.spi.StepTypeProvider;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A provider found by ServiceLoader belongs to the TaskSync instance: its types run there, and it closes with it. */
class StepTypeProviderIT {
    /** Every provider ServiceLoader created in this test, in order. */
    static final List<SharedThing> CREATED = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @Test
    void closingTheInstanceClosesTheProvidersItLoadedAfterItsStepsRan() throws IOException {
        Path services = dir.resolve("META-INF/services/" + StepTypeProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, SharedThing.class.getName() + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[]{dir.toUri().toURL()}, getClass().getClassLoader())) {
            TaskSync ts = TestDatabase.builder().classLoader(loader).build();
            assertThat(CREATED).hasSize(1);
            SharedThing provider = CREATED.get(0);
            assertThat(ts.stepTypes()).contains("shared_thing");
            Task t = ts.createTask("provided-" + System.nanoTime(), "new", dir.toString());
            ts.createStep(t.id(), "uses it", "{\"shared_thing\": {}}");
            assertThat(ts.run(t.id()).succeeded()).isTrue();
            assertThat(provider.events).containsExactly("used");

            ts.close();
            assertThat(provider.events).containsExactly("used", "closed");
        } finally {
            CREATED.clear();
        }
    }

    @Test
    void typesRegisteredInCodeStayTheCallers() {
        SharedThing mine = new SharedThing();
        CREATED.clear();
        try (TaskSync ts = TestDatabase.builder().stepType(mine.stepTypes().get(0)).build()) {
            assertThat(ts.stepTypes()).contains("shared_thing");
        }
        assertThat(mine.events).isEmpty();
    }

    /** A provider whose one type uses something it shares, and records what happened to it. */
    public static final class SharedThing implements StepTypeProvider {
        final List<String> events = new CopyOnWriteArrayList<>();

        public SharedThing() {
            CREATED.add(this);
        }

        @Override
        public List<StepType<?>> stepTypes() {
            return List.of(new StepType<Object>() {
                @Override
                public String key() {
                    return "shared_thing";
                }

                @Override
                public Object parse(JsonSettings value) {
                    return "settings";
                }

                @Override
                public StepOutcome execute(StepContext<Object> context) {
                    events.add(events.contains("closed") ? "used after close" : "used");
                    return StepOutcome.success(StepOutcome.newResults());
                }
            });
        }

        @Override
        public void close() {
            events.add("closed");
        }
    }
}
