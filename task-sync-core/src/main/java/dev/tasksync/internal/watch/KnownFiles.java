package dev.tasksync.internal.watch;

import dev.tasksync.internal.hashing.FileHasher;
import dev.tasksync.internal.hashing.WatchedFiles;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the watcher vouches for between two plans: the hash of each file looked at since the watch began and not
 * changed since, and the listing of each watched path whose entries did not change. A plan then looks only at what
 * the watcher saw change ({@link #over}); the rest is the full check of the file index.
 *
 * <p>A file is vouched for only when the directories from its own up to the task's local_path were all watched
 * before it was looked at, and no event about it (or a directory above it) came while it was; anything told later
 * drops it again. Events lost (an overflow) drop everything: the next plan is a full check.
 */
public final class KnownFiles implements PathWatcher.Events {
    /** Changes one look remembers one by one; past it, the look keeps nothing of what it read. */
    private static final int LOOK_CHANGES = 256;
    private final Path base;
    private final Object lock = new Object();
    /** Hash of each file by its absolute path: a plan looks up every watched file here, so a hash map. */
    private final Map<String, String> hashes = new HashMap<>();
    /** The same paths, sorted so that a directory's files are one range (what a change of the directory drops). */
    private final NavigableSet<String> hashed = new TreeSet<>();
    private final Map<Listing, Kept> listings = new HashMap<>();
    /** Entries created or deleted since a listing was kept: applied (or the listing dropped) when it is next used. */
    private final Set<Path> entryChanges = new HashSet<>();
    private final Set<Path> watched = new HashSet<>();
    /** Directories that could not be watched (a system limit): nothing under them is vouched for. */
    private final Set<Path> unwatchable = new HashSet<>();
    /** Paths the watcher saw change since the last look: their files are read again, whatever their stat says. */
    private final Set<Path> seen = new HashSet<>();
    /** The looks going on: each is told what changed while it looked. */
    private final List<Look> looks = new ArrayList<>();

    /** @param base the task's local_path: files outside it are always looked at */
    public KnownFiles(Path base) {
        this.base = base.toAbsolutePath().normalize();
    }

    private record Listing(Path root, String watched, boolean allowOutside) {
        /** The watched path itself, as the watcher names it. */
        Path path() {
            return root.resolve(watched).normalize();
        }
    }

    /** A listing kept, with its files' paths sorted (a directory's files are one range). */
    private record Kept(Map<String, Path> files, NavigableSet<String> paths) {
        static Kept of(Map<String, Path> files) {
            NavigableSet<String> paths = new TreeSet<>();
            files.values().forEach(f -> paths.add(f.toAbsolutePath().normalize().toString()));
            return new Kept(Collections.unmodifiableSortedMap(new TreeMap<>(files)), paths);
        }
    }

    /** What changed while one plan looked at files. */
    private static final class Look {
        final List<Path> changed = new ArrayList<>();
        boolean lost;

        boolean touched(Path p) {
            if (lost) {
                return true;
            }
            for (Path c : changed) {
                if (p.startsWith(c) || c.startsWith(p)) {
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public void watching(Path dir) {
        synchronized (lock) {
            watched.add(dir);
            unwatchable.remove(dir);
        }
    }

    @Override
    public void cannotWatch(Path dir) {
        synchronized (lock) {
            unwatchable.add(dir);
            forget(dir, true);
        }
    }

    @Override
    public void notWatching(Path dir) {
        synchronized (lock) {
            watched.remove(dir);
            forget(dir, true);
        }
    }

    @Override
    public void changed(Path path, boolean entries) {
        synchronized (lock) {
            seen.add(path);
            forget(path, entries);
        }
    }

    @Override
    public void lost() {
        synchronized (lock) {
            hashes.clear();
            hashed.clear();
            listings.clear();
            entryChanges.clear();
            looks.forEach(l -> l.lost = true);
        }
    }

    private void forget(Path path, boolean entries) {
        String key = path.toString();
        if (hashed.remove(key)) {
            hashes.remove(key);
        }
        NavigableSet<String> under = hashed.subSet(key + "/", true, key + "0", false); // '0' follows '/': exactly the paths under it
        under.forEach(hashes::remove);
        under.clear();
        if (entries) {
            entryChanges.add(path);
        }
        for (Look l : looks) {
            if (l.changed.size() < LOOK_CHANGES) {
                l.changed.add(path);
            } else {
                l.lost = true; // a burst while it looked: keep none of it rather than match every file against it
            }
        }
    }

    /** True when {@code file}'s directory and those above it up to the local_path are watched. */
    private boolean vouchable(Path file, Map<Path, Boolean> dirs) {
        Path dir = file.getParent();
        if (dir == null || !dir.startsWith(base)) {
            return false;
        }
        return dirs.computeIfAbsent(dir, d -> {
            for (Path p = d; p != null && p.startsWith(base); p = p.getParent()) {
                if (!watched.contains(p)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** {@code full} where the watcher cannot vouch for a file or listing, what it kept elsewhere. */
    public WatchedFiles over(WatchedFiles full) {
        return new WatchedFiles() {
            @Override
            public Map<String, Path> expand(Path root, List<String> watchedPaths, boolean allowOutside, List<PathMatcher> ignore) {
                if (watchedPaths.size() == 1) {
                    // kept listings are sorted and unmodifiable already: no copy of 10,000 entries per plan
                    return listing(new Listing(root.toAbsolutePath().normalize(), watchedPaths.get(0), allowOutside), full, ignore);
                }
                Map<String, Path> out = new TreeMap<>();
                for (String w : watchedPaths) {
                    out.putAll(listing(new Listing(root.toAbsolutePath().normalize(), w, allowOutside), full, ignore));
                }
                return out;
            }

            @Override
            public Map<Path, String> hash(Collection<Path> files, Set<Path> reread) {
                return KnownFiles.this.hash(files, reread, full);
            }
        };
    }

    private Map<String, Path> listing(Listing which, WatchedFiles full, List<PathMatcher> ignore) {
        Look look = new Look();
        synchronized (lock) {
            applyEntryChanges();
            Kept kept = listings.get(which);
            if (kept != null) {
                return kept.files();
            }
            looks.add(look);
        }
        Map<String, Path> fresh = Map.of();
        try {
            fresh = full.expand(which.root(), List.of(which.watched()), which.allowOutside(), ignore);
            return fresh;
        } finally {
            synchronized (lock) {
                looks.remove(look);
                Path path = which.path();
                Map<Path, Boolean> dirs = new HashMap<>();
                // A missing path, or one with a directory not watched, is listed again each time.
                boolean vouched = !fresh.isEmpty() && !fresh.containsValue(null) && !look.touched(path)
                        && unwatchable.stream().noneMatch(d -> d.startsWith(path))
                        && fresh.values().stream().allMatch(f -> vouchable(f, dirs));
                if (vouched) {
                    listings.put(which, Kept.of(fresh));
                }
            }
        }
    }

    /**
     * Applies the entries created or deleted since to the kept listings, at or under a listed path or above it: a
     * listed file that is a file (or link) again (an editor's save through a rename) or a path gone that held no
     * listed file (an editor's temporary file) leave a listing as it was; anything else there drops it. Called
     * under the lock.
     */
    private void applyEntryChanges() {
        for (Path changed : entryChanges) {
            boolean fileNow = Files.isRegularFile(changed, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(changed);
            boolean goneNow = !fileNow && !Files.exists(changed, LinkOption.NOFOLLOW_LINKS);
            String c = changed.toString();
            listings.entrySet().removeIf(e -> {
                Path path = e.getKey().path();
                if (!changed.startsWith(path) && !path.startsWith(changed)) {
                    return false;
                }
                NavigableSet<String> listed = e.getValue().paths();
                boolean sameFile = fileNow && listed.contains(c);
                boolean neverListed = goneNow && !listed.contains(c) && listed.subSet(c + "/", c + "0").isEmpty();
                return !sameFile && !neverListed;
            });
        }
        entryChanges.clear();
    }

    private Map<Path, String> hash(Collection<Path> files, Set<Path> asked, WatchedFiles full) {
        Map<Path, String> out = new HashMap<>();
        List<Path> rest = new ArrayList<>();
        Set<Path> vouchable = new HashSet<>();
        Set<Path> reread = new HashSet<>(asked);
        Set<Path> seenBefore;
        Look look = new Look();
        synchronized (lock) {
            Map<Path, Boolean> dirs = new HashMap<>();
            // Usually a save or two: a prefix test of each file against them beats a walk up each file's parents.
            List<Path> fewSeen = seen.size() <= 16 ? List.copyOf(seen) : null;
            for (Path f : files) {
                Path p = f.toAbsolutePath().normalize();
                String h = asked.contains(f) ? null : hashes.get(p.toString());
                if (h != null) {
                    out.put(f, h);
                    continue;
                }
                rest.add(f);
                if (vouchable(p, dirs)) {
                    vouchable.add(f);
                }
                if (wasSeen(p, fewSeen)) {
                    reread.add(f);
                }
            }
            if (rest.isEmpty()) {
                seen.clear(); // nothing seen is one of these files
                return out;
            }
            seenBefore = Set.copyOf(seen);
            looks.add(look);
        }
        Map<Path, String> fresh = Map.of();
        try {
            fresh = full.hash(rest, reread);
            synchronized (lock) {
                // What was seen before this look was read by it; what changed while it looked is read next time too.
                if (!look.lost) {
                    seenBefore.stream().filter(p -> !look.changed.contains(p)).forEach(seen::remove);
                }
            }
        } finally {
            synchronized (lock) {
                looks.remove(look);
                for (var e : fresh.entrySet()) {
                    Path p = e.getKey().toAbsolutePath().normalize();
                    if (vouchable.contains(e.getKey()) && !FileHasher.MISSING.equals(e.getValue()) && !look.touched(p)) {
                        hashes.put(p.toString(), e.getValue());
                        hashed.add(p.toString());
                    }
                }
            }
        }
        out.putAll(fresh);
        return out;
    }

    /** True when the watcher saw {@code file} or a directory above it change; {@code few}: the seen paths when few. */
    private boolean wasSeen(Path file, List<Path> few) {
        if (few != null) {
            for (Path s : few) {
                if (file.startsWith(s)) {
                    return true;
                }
            }
            return false;
        }
        for (Path up = file; up != null; up = up.getParent()) {
            if (seen.contains(up)) {
                return true;
            }
        }
        return false;
    }

    /** How many files' hashes are kept (for tests). */
    int kept() {
        synchronized (lock) {
            return hashes.size();
        }
    }
}
