package dev.tasksync.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files a test lays out under a task's local_path. */
public final class TestFiles {
    private TestFiles() {
    }

    /** Writes {@code content} to {@code path} below {@code dir}, making the directories on the way; returns the file. */
    public static Path write(Path dir, String path, String content) throws IOException {
        Path p = dir.resolve(path);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, content);
    }
}
