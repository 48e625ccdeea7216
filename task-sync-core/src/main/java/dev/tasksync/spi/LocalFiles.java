package dev.tasksync.spi;

import dev.tasksync.TaskSyncException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The one rule for files a step reads from the host, shared by hashing (the fingerprint) and by the step types
 * that copy or check files, so that what is hashed is exactly what is copied:
 * <ul>
 *   <li>a path written in the settings must stay inside the task's local_path (after {@code ..} and after the
 *   symbolic links of its parent directories), unless the step says {@code "allow_outside": true};</li>
 *   <li>a symbolic link found there is never followed: it is hashed as a link (its target text) and copied as a
 *   link, as {@code docker build} and git treat links, so a link to {@code /etc/shadow} reads nothing of the
 *   host; directories reached through links are not walked.</li>
 * </ul>
 */
public final class LocalFiles {
    /** The settings field that lets a step read paths outside the task's local_path. */
    public static final String ALLOW_OUTSIDE = "allow_outside";

    private LocalFiles() {
    }

    /** A path outside the task's local_path, named, with what to do. */
    public static final class OutsideLocalPathException extends TaskSyncException {
        public OutsideLocalPathException(String path, Path localPath, String why) {
            super("path '" + path + "' " + why + " the task's local_path " + localPath + "; a step reads only files"
                    + " inside it unless its settings say \"" + ALLOW_OUTSIDE + "\": true");
        }
    }

    /** What a listed entry is. */
    public enum Kind { FILE, LINK, DIRECTORY }

    /** One entry of a listing: its key (the path as written, a directory's entries as {@code dir/sub/file}). */
    public record Entry(String key, Path path, Kind kind) {
    }

    /**
     * Resolves a path written in settings against {@code localPath}.
     *
     * @throws OutsideLocalPathException when it leaves {@code localPath} and {@code allowOutside} is false
     */
    public static Path resolve(Path localPath, String path, boolean allowOutside) {
        Path base = localPath.toAbsolutePath().normalize();
        Path p = base.resolve(path).normalize();
        if (allowOutside) {
            return p;
        }
        if (!p.startsWith(base)) {
            throw new OutsideLocalPathException(path, base, "is outside");
        }
        // A parent directory that is a link may lead out; the last name may be a link (it is never followed).
        Path realBase = realPath(base);
        Path parent = p.equals(base) ? null : p.getParent();
        Path realParent = parent == null ? null : realPath(parent);
        if (realBase != null && realParent != null && !realParent.startsWith(realBase)) {
            throw new OutsideLocalPathException(path, base, "leads through a symbolic link (to " + realParent + ") out of");
        }
        if (p.equals(base) && realBase != null && Files.isSymbolicLink(p)) {
            return realBase;
        }
        return p;
    }

    /** True when {@code path} is a symbolic link whose target is not inside {@code localPath}. */
    public static boolean linksOutside(Path localPath, Path path) {
        if (!Files.isSymbolicLink(path)) {
            return false;
        }
        Path realBase = realPath(localPath.toAbsolutePath().normalize());
        Path target = realPath(path);
        return realBase == null || target == null || !target.startsWith(realBase);
    }

    /**
     * Lists the watched paths: regular files and symbolic links (not followed), directories walked, keyed as
     * written and sorted; a missing path maps to null. Files whose path relative to {@code localPath} matches an
     * {@code ignore} glob are left out of walked directories.
     *
     * @throws OutsideLocalPathException as {@link #resolve}
     */
    public static Map<String, Path> files(Path localPath, List<String> watched, boolean allowOutside, List<PathMatcher> ignore) {
        Map<String, Path> files = new TreeMap<>();
        for (String w : watched) {
            List<Entry> entries = walk(localPath, w, allowOutside, ignore);
            if (entries == null) {
                files.put(w, null);
                continue;
            }
            for (Entry e : entries) {
                if (e.kind() != Kind.DIRECTORY) {
                    files.put(e.key(), e.path());
                }
            }
        }
        return files;
    }

    /**
     * The entries of one watched path in walk order (a directory before its entries; the path itself first),
     * or null when it does not exist.
     *
     * @throws OutsideLocalPathException as {@link #resolve}
     */
    public static List<Entry> walk(Path localPath, String watched, boolean allowOutside, List<PathMatcher> ignore) {
        Path p = resolve(localPath, watched, allowOutside);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        List<Entry> entries = new ArrayList<>();
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            entries.add(new Entry(watched, p, kind(p)));
            return entries;
        }
        Path base = localPath.toAbsolutePath().normalize();
        String prefix = watched.endsWith("/") ? watched : watched + "/";
        // Files.walk follows no links: a link to a directory is listed as a link, not walked.
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : (Iterable<Path>) walk.sorted()::iterator) {
                String rel = p.relativize(f).toString().replace('\\', '/');
                if (rel.isEmpty()) {
                    entries.add(new Entry(watched, f, Kind.DIRECTORY));
                    continue;
                }
                Kind kind = kind(f);
                if (kind == null) {
                    continue; // sockets, fifos, devices: nothing to hash or copy
                }
                if (kind != Kind.DIRECTORY && ignored(base, f, ignore)) {
                    continue;
                }
                entries.add(new Entry(prefix + rel, f, kind));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + p + ": " + e.getMessage(), e);
        }
        return entries;
    }

    private static Kind kind(Path f) {
        if (Files.isSymbolicLink(f)) {
            return Kind.LINK;
        }
        if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
            return Kind.DIRECTORY;
        }
        return Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) ? Kind.FILE : null;
    }

    private static boolean ignored(Path base, Path file, List<PathMatcher> ignore) {
        if (ignore.isEmpty()) {
            return false;
        }
        Path rel = file.startsWith(base) ? base.relativize(file) : file;
        return ignore.stream().anyMatch(m -> m.matches(rel));
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }
}
