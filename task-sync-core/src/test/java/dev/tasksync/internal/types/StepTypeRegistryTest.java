package dev.tasksync.internal.types;

import dev.tasksync.InvalidSettingsException;
import dev.tasksync.UnknownStepTypeException;
import dev.tasksync.steps.FileExists;
import org.junit.jupiter.api.Test;

import java.util.List;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.testing.TestSteps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepTypeRegistryTest {
    final StepTypeRegistry registry = StepTypeRegistry.load(getClass().getClassLoader(), List.of());

    @Test
    void findsTheBuiltInTypeThroughServiceLoader() {
        assertThat(registry.keys()).contains("file_exists");
    }

    @Test
    void fileExistsTakesAStringOrAnArray() {
        assertThat(registry.parse("{\"file_exists\": \"a.txt\"}").settings()).isEqualTo(FileExists.of("a.txt"));
        assertThat(registry.parse("{\"file_exists\": [\"main.go\", \"go.mod\"]}").settings()).isEqualTo(FileExists.of("main.go", "go.mod"));
        assertThat(registry.parse("{\"file_exists\": [\"main.go\", \"go.mod\"]}").watchedFiles()).containsExactly("main.go", "go.mod");
    }

    @Test
    void fileExistsRefusesOtherShapesNamingThePath() {
        assertThatThrownBy(() -> registry.parse("{\"file_exists\": 3}"))
                .isInstanceOfSatisfying(InvalidSettingsException.class, e -> assertThat(e.path()).isEqualTo("$.file_exists"))
                .hasMessageContaining("expected a string or an array of strings, got a number");
        assertThatThrownBy(() -> registry.parse("{\"file_exists\": []}")).hasMessageContaining("at least one path");
        assertThatThrownBy(() -> registry.parse("{\"file_exists\": [\"ok\", \" \"]}"))
                .isInstanceOfSatisfying(InvalidSettingsException.class, e -> assertThat(e.path()).isEqualTo("$.file_exists[1]"));
        assertThatThrownBy(() -> registry.parse("{\"file_exists\": {\"path\": \"x\"}}")).hasMessageContaining("$.file_exists");
    }

    /** Every step's object takes the core's keys, so an unknown field's message lists them beside the type's. */
    @Test
    void anUnknownFieldOfTheObjectFormListsTheCoreFieldsToo() {
        assertThatThrownBy(() -> registry.parse("{\"file_exists\": {\"paths\": [\"a\"], \"timeout\": 5}}"))
                .isInstanceOfSatisfying(InvalidSettingsException.class, e -> assertThat(e.path()).isEqualTo("$.file_exists.timeout"))
                .hasMessageContaining("unknown field; expected one of allow_outside, depends_on, paths, retries, "
                        + "retry_backoff_seconds, runs_on, timeout_seconds");
        // and those keys are indeed accepted there
        assertThat(registry.parse("{\"file_exists\": {\"paths\": [\"a\"], \"retries\": 1, \"timeout_seconds\": 5}}")
                .settings()).isEqualTo(FileExists.of("a"));
    }

    @Test
    void documentShapeErrors() {
        assertThatThrownBy(() -> registry.parse("[]")).hasMessageContaining("expected an object");
        assertThatThrownBy(() -> registry.parse("{}")).hasMessageContaining("got none");
        assertThatThrownBy(() -> registry.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> registry.parse("{\"file_exists\": \"a\"")).hasMessageContaining("malformed JSON at line 1");
        assertThatThrownBy(() -> registry.parse("{\"docker_bild\": {}}"))
                .isInstanceOfSatisfying(UnknownStepTypeException.class, e -> assertThat(e.key()).isEqualTo("docker_bild"));
    }

    @Test
    void dependsOnIsReadAndRemovedBeforeTheTypeParses() {
        var sleep = StepTypeRegistry.load(getClass().getClassLoader(), List.of(new TestSteps.SleepType()));
        var p = sleep.parse("{\"sleep\": {\"millis\": 5, \"depends_on\": [{\"id\": 7}, {\"id\": 9}]}}");
        assertThat(p.dependsOn()).containsExactly(7, 9);
        assertThatThrownBy(() -> sleep.parse("{\"sleep\": {\"millis\": 5, \"depends_on\": [{\"id\": 7}, {\"id\": 7}]}}"))
                .hasMessageContaining("$.sleep.depends_on[1].id").hasMessageContaining("named twice");
        assertThat(p.value().has("depends_on")).isFalse();
        assertThat(p.document().toString()).contains("depends_on");
    }

    @Test
    void typesRegisteredInCodeWinOverServiceLoader() {
        var custom = new StepType<String>() {
            @Override
            public String key() {
                return "file_exists";
            }

            @Override
            public String parse(JsonSettings value) {
                throw value.invalid("custom");
            }

            @Override
            public StepOutcome execute(StepContext<String> context) {
                return StepOutcome.success();
            }
        };
        var r = StepTypeRegistry.load(getClass().getClassLoader(), List.of(custom));
        assertThatThrownBy(() -> r.parse("{\"file_exists\": \"a\"}")).hasMessageContaining("custom");
    }
}
