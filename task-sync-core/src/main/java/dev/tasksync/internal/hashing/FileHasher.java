package dev.tasksync.internal.hashing;

import dev.tasksync.TaskSyncException;
import dev.tasksync.spi.LocalFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.nio.charset.StandardCharsets;

/** Streams files through SHA-256 (lower-case hex, as {@code sha256sum} prints it). */
public final class FileHasher {
    /** Marks a watched path that does not exist. */
    public static final String MISSING = "missing";
    private static final int BUFFER = 64 * 1024;

    private FileHasher() {
    }

    /** SHA-256 of a file's content; of a symbolic link, of {@code "symlink:" + its target}, never followed. */
    public static String sha256(Path file) {
        if (Files.isSymbolicLink(file)) {
            try {
                return sha256("symlink:" + Files.readSymbolicLink(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the link " + file + ": " + e.getMessage(), e);
            }
        }
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    public static String sha256(String text) {
        return HexFormat.of().formatHex(newDigest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new TaskSyncException("SHA-256 is not available", e);
        }
    }

    /**
     * Lists the regular files and symbolic links under each watched path, keyed by their path as the user wrote
     * it (a directory's files as {@code dir/sub/file}), in a stable order, by the rule of {@link LocalFiles}: links
     * are listed as links (their target is never read) and a path outside {@code root} maps to null, as if
     * missing, unless {@code allowOutside} (the step type refuses it when it executes, naming it). A missing path
     * maps to null. Files found by walking a directory whose path relative to {@code root} matches one of the
     * {@code ignore} globs are left out.
     */
    public static Map<String, Path> expand(Path root, List<String> watched, boolean allowOutside, List<PathMatcher> ignore) {
        Map<String, Path> files = new TreeMap<>();
        for (String w : watched) {
            try {
                files.putAll(LocalFiles.files(root, List.of(w), allowOutside, ignore));
            } catch (LocalFiles.OutsideLocalPathException e) {
                files.put(w, null);
            }
        }
        return files;
    }

    /** {@link #expand(Path, List, boolean, List)} for a step that reads nothing outside {@code root}. */
    public static Map<String, Path> expand(Path root, List<String> watched, List<PathMatcher> ignore) {
        return expand(root, watched, false, ignore);
    }

    /** Globs as {@link java.nio.file.FileSystem#getPathMatcher} reads them ({@code glob:} is implied). */
    public static List<PathMatcher> matchers(List<String> globs) {
        return globs.stream()
                .map(g -> FileSystems.getDefault().getPathMatcher(g.contains(":") ? g : "glob:" + g))
                .toList();
    }

}
