package dev.tasksync.docker;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.stream.Stream;

/** The solution patches a glob such as {@code solutions/*.patch} names (relative to local_path), sorted by path. */
final class SolutionGlob {
    private SolutionGlob() {
    }

    /** The directory the glob's wildcards start under: watched, so that a new or changed patch re-runs the step. */
    static String directory(String glob) {
        int wild = firstWildcard(glob);
        String fixed = glob.substring(0, wild);
        int slash = fixed.lastIndexOf('/');
        return slash < 0 ? "." : fixed.substring(0, slash + 1);
    }

    static List<Path> files(Path localPath, String glob) throws IOException {
        Path base = localPath.toAbsolutePath().normalize();
        Path dir = base.resolve(directory(glob)).normalize();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).filter(p -> matcher.matches(base.relativize(p))).sorted().toList();
        }
    }

    private static int firstWildcard(String glob) {
        for (int i = 0; i < glob.length(); i++) {
            if ("*?[{".indexOf(glob.charAt(i)) >= 0) {
                return i;
            }
        }
        return glob.length();
    }
}
