package dev.tasksync;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The public API names task-sync's exceptions only: no javadoc or signature promises jOOQ's DataAccessException. */
class PublicApiExceptionsTest {

    @Test
    void noPublicSourceMentionsDataAccessException() throws IOException {
        Path api = Path.of("src/main/java/dev/tasksync");
        List<Path> mentioning;
        try (Stream<Path> files = Files.walk(api)) {
            mentioning = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !api.relativize(p).startsWith("internal"))
                    .filter(p -> {
                        try {
                            return Files.readString(p).contains("DataAccessException");
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }).toList();
        }
        assertThat(api.resolve("TaskSync.java")).exists();
        assertThat(mentioning).isEmpty();
    }
}
