package dev.tasksync.docker;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import dev.tasksync.spi.LocalFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;

/** Tar archives of host files for copying into containers. */
final class Archives {
    private Archives() {
    }

    /**
     * A tar holding {@code paths} (relative to {@code base}, directories walked) under {@code targetDir}, to be
     * extracted at {@code /}, by the rule of {@link LocalFiles}, the one the fingerprint is hashed by: symbolic
     * links are copied as links (never followed, so nothing outside {@code base} is read through them), and a path
     * outside {@code base} is refused unless {@code allowOutside} (then it is put in by file name); files of walked
     * directories matching {@code ignore} (the task-sync ignore globs) are left out, as they are of the fingerprint.
     *
     * @throws LocalFiles.OutsideLocalPathException naming a path outside {@code base}
     */
    static byte[] tar(Path base, List<String> paths, String targetDir, boolean allowOutside, List<PathMatcher> ignore)
            throws IOException {
        String root = targetDir.replaceAll("^/+", "").replaceAll("/+$", "");
        Path absBase = base.toAbsolutePath().normalize();
        Map<String, LocalFiles.Entry> entries = new LinkedHashMap<>();
        for (String p : paths) {
            List<LocalFiles.Entry> found = LocalFiles.walk(absBase, p, allowOutside, ignore);
            if (found == null) {
                throw new DockerStepException("file to copy into the container not found: " + absBase.resolve(p).normalize());
            }
            Path path = LocalFiles.resolve(absBase, p, allowOutside);
            Path relBase = path.startsWith(absBase) ? absBase : path.getParent();
            for (LocalFiles.Entry e : found) {
                String rel = relBase.relativize(e.path()).toString().replace('\\', '/');
                if (!rel.isEmpty()) {
                    entries.put(rel, e);
                }
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            Set<String> dirs = new HashSet<>();
            if (!root.isEmpty()) {
                addParents(tar, dirs, root + "/x");
                addDir(tar, dirs, root);
            }
            for (Map.Entry<String, LocalFiles.Entry> e : entries.entrySet()) {
                String name = root.isEmpty() ? e.getKey() : root + "/" + e.getKey();
                addParents(tar, dirs, name);
                Path f = e.getValue().path();
                if (e.getValue().kind() == LocalFiles.Kind.DIRECTORY) {
                    addDir(tar, dirs, name);
                } else if (e.getValue().kind() == LocalFiles.Kind.LINK) {
                    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                    entry.setLinkName(Files.readSymbolicLink(f).toString());
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                } else {
                    TarArchiveEntry entry = new TarArchiveEntry(name);
                    entry.setSize(Files.size(f));
                    entry.setMode(Files.isExecutable(f) ? 0755 : 0644);
                    tar.putArchiveEntry(entry);
                    Files.copy(f, tar);
                    tar.closeArchiveEntry();
                }
            }
        }
        return bytes.toByteArray();
    }

    private static void addParents(TarArchiveOutputStream tar, Set<String> dirs, String name) throws IOException {
        int slash = name.lastIndexOf('/');
        if (slash > 0) {
            String parent = name.substring(0, slash);
            addParents(tar, dirs, parent);
            addDir(tar, dirs, parent);
        }
    }

    private static void addDir(TarArchiveOutputStream tar, Set<String> dirs, String name) throws IOException {
        if (dirs.add(name)) {
            TarArchiveEntry entry = new TarArchiveEntry(name + "/");
            entry.setMode(0755);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
        }
    }
}
