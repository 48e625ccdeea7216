package dev.tasksync.docker;

import com.github.difflib.patch.PatchFailedException;
import com.github.difflib.unifieddiff.UnifiedDiff;
import com.github.difflib.unifieddiff.UnifiedDiffFile;
import com.github.difflib.unifieddiff.UnifiedDiffReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a unified diff ({@code diff -u} or {@code git diff}) to a directory on the host, with java-diff-utils, so
 * that the grading image needs nothing but a shell. Paths in the diff are relative to the directory; git's
 * {@code a/} and {@code b/} prefixes are stripped.
 */
final class Patches {
    private static final String DEV_NULL = "/dev/null";

    private Patches() {
    }

    /** Why a patch did not apply: names the patch and the file. */
    static final class NotApplied extends Exception {
        NotApplied(String message) {
            super(message);
        }
    }

    static void apply(Path patch, Path root) throws IOException, NotApplied {
        UnifiedDiff diff;
        try (InputStream in = Files.newInputStream(patch)) {
            diff = UnifiedDiffReader.parseUnifiedDiff(in);
        } catch (RuntimeException e) {
            throw new NotApplied("patch " + patch.getFileName() + " is not a unified diff: " + Errors.rootMessage(e));
        }
        if (diff.getFiles().isEmpty()) {
            throw new NotApplied("patch " + patch.getFileName() + " changes no file (not a unified diff?)");
        }
        for (UnifiedDiffFile file : diff.getFiles()) {
            applyFile(patch, root, file);
        }
    }

    private static void applyFile(Path patch, Path root, UnifiedDiffFile file) throws IOException, NotApplied {
        String from = strip(file.getFromFile(), "a/");
        String to = strip(file.getToFile(), "b/");
        boolean created = from == null || DEV_NULL.equals(from);
        boolean deleted = to == null || DEV_NULL.equals(to);
        Path source = created ? null : inside(patch, root, from);
        Path target = deleted ? source : inside(patch, root, to);
        List<String> lines = new ArrayList<>();
        if (source != null) {
            if (!Files.isRegularFile(source)) {
                throw new NotApplied("patch " + patch.getFileName() + " changes " + from + ", which is not among the files");
            }
            lines = Files.readAllLines(source, StandardCharsets.UTF_8);
        } else if (Files.exists(target)) {
            throw new NotApplied("patch " + patch.getFileName() + " creates " + to + ", which exists already");
        }
        List<String> patched;
        try {
            patched = file.getPatch().applyTo(lines);
        } catch (PatchFailedException | RuntimeException e) {
            throw new NotApplied("patch " + patch.getFileName() + " does not apply to " + (created ? to : from) + ": "
                    + Errors.rootMessage(e));
        }
        if (deleted) {
            Files.delete(source);
            return;
        }
        boolean executable = source != null && Files.isExecutable(source)
                || file.getNewFileMode() != null && file.getNewFileMode().endsWith("755");
        if (source != null && !source.equals(target)) {
            Files.delete(source);
        }
        Files.createDirectories(target.getParent());
        String text = String.join("\n", patched);
        Files.writeString(target, patched.isEmpty() || file.isNoNewLineAtTheEndOfTheFile() ? text : text + "\n",
                StandardCharsets.UTF_8);
        if (executable) {
            target.toFile().setExecutable(true);
        }
    }

    private static String strip(String name, String prefix) {
        if (name == null) {
            return null;
        }
        String n = name.strip();
        int tab = n.indexOf('\t');
        if (tab >= 0) {
            n = n.substring(0, tab);
        }
        return n.startsWith(prefix) ? n.substring(prefix.length()) : n;
    }

    /** A path of the diff inside {@code root}; one that leads out of it is refused. */
    private static Path inside(Path patch, Path root, String name) throws NotApplied {
        Path p = root.resolve(name).normalize();
        if (!p.startsWith(root) || Path.of(name).isAbsolute()) {
            throw new NotApplied("patch " + patch.getFileName() + " names " + name + ", outside the graded files");
        }
        return p;
    }
}
