package dev.tasksync.internal.hashing;

import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a plan lists and hashes the files its steps watch. {@link FileIndex} looks at every file each time; watch mode
 * looks only at what its watcher saw change ({@code internal.watch.KnownFiles}).
 */
public interface WatchedFiles {
    /** As {@link FileHasher#expand(Path, List, boolean, List)}. */
    default Map<String, Path> expand(Path root, List<String> watched, boolean allowOutside, List<PathMatcher> ignore) {
        return FileHasher.expand(root, watched, allowOutside, ignore);
    }

    /** SHA-256 of each file (lower-case hex); a file that vanished maps to {@link FileHasher#MISSING}. */
    default Map<Path, String> hash(Collection<Path> files) {
        return hash(files, Set.of());
    }

    /**
     * As {@link #hash(Collection)}; the files of {@code reread} are known to have changed, so they are read again
     * even when their size and modification time are what they were (a change that kept both).
     */
    Map<Path, String> hash(Collection<Path> files, Set<Path> reread);
}
