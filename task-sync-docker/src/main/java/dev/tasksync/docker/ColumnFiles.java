package dev.tasksync.docker;

import dev.tasksync.spi.LocalFiles;
import dev.tasksync.spi.StepContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files one column grades, in a temporary tree: the step's {@code files}, the column's patch applied, the
 * held-out tests over them.
 */
final class ColumnFiles {
    private final StepContext<DockerRubrics> context;
    private final DockerRubrics settings;
    private final Path heldOut;

    ColumnFiles(StepContext<DockerRubrics> context, Path heldOut) {
        this.context = context;
        this.settings = context.settings();
        this.heldOut = heldOut;
    }

    /** Copies {@code files} into {@code tree}, applies the column's patch and the held-out tests; an error or null. */
    String prepare(GradingColumn column, Path tree) throws IOException {
        Path base = context.localPath().toAbsolutePath().normalize();
        for (String f : settings.files()) {
            List<LocalFiles.Entry> found = LocalFiles.walk(base, f, settings.allowOutside(), context.ignoredFiles());
            if (found == null) {
                throw new DockerStepException("file to grade not found: " + base.resolve(f).normalize());
            }
            Path path = LocalFiles.resolve(base, f, settings.allowOutside());
            Path relBase = path.startsWith(base) ? base : path.getParent();
            for (LocalFiles.Entry e : found) {
                Path target = tree.resolve(relBase.relativize(e.path()).toString());
                if (e.kind() == LocalFiles.Kind.DIRECTORY) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(e.path(), target, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        try {
            if (column.patch() != null) {
                Patches.apply(column.patch(), tree);
            }
        } catch (Patches.NotApplied e) {
            return e.getMessage();
        }
        if (heldOut != null) {
            try {
                if (Files.isDirectory(heldOut)) {
                    overlay(heldOut, tree);
                } else {
                    Patches.apply(heldOut, tree);
                }
            } catch (Patches.NotApplied e) {
                return "held-out tests: " + e.getMessage();
            }
        }
        return null;
    }

    /** The held-out directory's content copied over the graded files (its files replace theirs). */
    private static void overlay(Path dir, Path tree) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) walk.sorted()::iterator) {
                Path target = tree.resolve(dir.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    static void deleteTree(Path tree) {
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
