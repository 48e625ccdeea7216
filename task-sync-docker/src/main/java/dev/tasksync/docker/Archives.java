package dev.tasksync.docker;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Tar archives of host files for copying into containers. */
final class Archives {
    private Archives() {
    }

    /**
     * A tar holding {@code paths} (relative to {@code base}, directories walked) under {@code targetDir}, to be
     * extracted at {@code /}. Paths outside {@code base} are put in by file name.
     */
    static byte[] tar(Path base, List<String> paths, String targetDir) throws IOException {
        String root = targetDir.replaceAll("^/+", "").replaceAll("/+$", "");
        Map<String, Path> entries = new LinkedHashMap<>();
        for (String p : paths) {
            Path path = base.resolve(p).normalize();
            if (!Files.exists(path)) {
                throw new DockerStepException("file to copy into the container not found: " + path);
            }
            Path relBase = path.startsWith(base) ? base : path.getParent();
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path f : (Iterable<Path>) walk.sorted()::iterator) {
                    String rel = relBase.relativize(f).toString().replace('\\', '/');
                    if (!rel.isEmpty()) {
                        entries.put(rel, f);
                    }
                }
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            java.util.Set<String> dirs = new java.util.HashSet<>();
            if (!root.isEmpty()) {
                addParents(tar, dirs, root + "/x");
                addDir(tar, dirs, root);
            }
            for (Map.Entry<String, Path> e : entries.entrySet()) {
                String name = root.isEmpty() ? e.getKey() : root + "/" + e.getKey();
                addParents(tar, dirs, name);
                Path f = e.getValue();
                if (Files.isDirectory(f)) {
                    addDir(tar, dirs, name);
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

    private static void addParents(TarArchiveOutputStream tar, java.util.Set<String> dirs, String name) throws IOException {
        int slash = name.lastIndexOf('/');
        if (slash > 0) {
            String parent = name.substring(0, slash);
            addParents(tar, dirs, parent);
            addDir(tar, dirs, parent);
        }
    }

    private static void addDir(TarArchiveOutputStream tar, java.util.Set<String> dirs, String name) throws IOException {
        if (dirs.add(name)) {
            TarArchiveEntry entry = new TarArchiveEntry(name + "/");
            entry.setMode(0755);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
        }
    }
}
