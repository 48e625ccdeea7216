package dev.tasksync.internal.hashing;

import dev.tasksync.TaskSyncException;

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

/** Streams files through SHA-256 (lower-case hex, as {@code sha256sum} prints it). */
public final class FileHasher {
    /** Marks a watched path that does not exist. */
    public static final String MISSING = "missing";
    private static final int BUFFER = 64 * 1024;

    private FileHasher() {
    }

    public static String sha256(Path file) {
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
        return HexFormat.of().formatHex(newDigest().digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new TaskSyncException("SHA-256 is not available", e);
        }
    }

    /**
     * Lists the regular files under each watched path, keyed by their path as the user wrote it
     * (a directory's files as {@code dir/sub/file}), in a stable order. A missing path maps to null.
     * Symbolic links are not followed out of {@code root}; files found by walking a directory whose
     * path relative to {@code root} matches one of the {@code ignore} globs are left out.
     */
    public static Map<String, Path> expand(Path root, List<String> watched, List<PathMatcher> ignore) {
        Map<String, Path> files = new TreeMap<>();
        Path realRoot = realPath(root);
        for (String w : watched) {
            Path p = root.resolve(w).normalize();
            if (!Files.exists(p)) {
                files.put(w, null);
            } else if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    List<Path> found = new ArrayList<>();
                    walk.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
                                    || (Files.isSymbolicLink(f) && Files.isRegularFile(f) && inside(realRoot, f)))
                            .forEach(found::add);
                    for (Path f : found) {
                        if (ignored(root, f, ignore)) {
                            continue;
                        }
                        String rel = p.relativize(f).toString().replace('\\', '/');
                        String key = (w.endsWith("/") ? w : w + "/") + rel;
                        files.put(key, f);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + p + ": " + e.getMessage(), e);
                }
            } else {
                files.put(w, p);
            }
        }
        return files;
    }

    /** Globs as {@link java.nio.file.FileSystem#getPathMatcher} reads them ({@code glob:} is implied). */
    public static List<PathMatcher> matchers(List<String> globs) {
        return globs.stream()
                .map(g -> FileSystems.getDefault().getPathMatcher(g.contains(":") ? g : "glob:" + g))
                .toList();
    }

    private static boolean ignored(Path root, Path file, List<PathMatcher> ignore) {
        if (ignore.isEmpty()) {
            return false;
        }
        Path rel = file.startsWith(root) ? root.relativize(file) : file;
        return ignore.stream().anyMatch(m -> m.matches(rel));
    }

    private static boolean inside(Path realRoot, Path link) {
        return realRoot == null || realPath(link).startsWith(realRoot);
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }
}
