package dev.tasksync.internal.watch;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Watches the paths a task's steps watch with the JDK's WatchService (inotify on Linux: no polling of files).
 * A WatchService watches directories, so this registers every directory under a watched directory, and the
 * parent of each watched path (or its nearest existing ancestor), which sees the path itself created, deleted
 * or replaced; events on other paths of those directories are ignored. Directories that appear are registered
 * as they do. The directories between a root and {@code base} are registered too, so that one of them renamed or
 * replaced is seen.
 *
 * <p>A directory watch follows the directory, not its name: one renamed away goes on reporting under its old name,
 * and one moved in under a watched name would be left unwatched. So a directory created or deleted under a watched
 * name has its watches (and those under it) dropped and made again.
 */
public final class PathWatcher implements AutoCloseable {
    /** Hears every event of a watched directory (relevant to the roots or not) as it is read, before the debounce. */
    public interface Events {
        Events NONE = new Events() { };

        /** {@code dir} is watched from now on: any later change in it is told. */
        default void watching(Path dir) {
        }

        /** {@code dir} exists but could not be watched (the system's limit of watches, say). */
        default void cannotWatch(Path dir) {
        }

        /** {@code dir} is no longer watched (gone or replaced). */
        default void notWatching(Path dir) {
        }

        /** {@code path} changed: its content ({@code entries} false), or it was created, deleted or replaced. */
        default void changed(Path path, boolean entries) {
        }

        /** Events were dropped (the system's queue overflowed): anything may have changed. */
        default void lost() {
        }
    }

    private final WatchService service;
    private final Events events;
    private final Path base;
    private final Map<WatchKey, Path> keys = new ConcurrentHashMap<>();
    private final Map<Path, WatchKey> registered = new ConcurrentHashMap<>();
    private volatile List<Path> roots;

    public PathWatcher(List<Path> roots) throws IOException {
        this(roots, null, Events.NONE);
    }

    /** @param base the task's local_path (null: none), up to which the ancestors of each root are watched */
    public PathWatcher(List<Path> roots, Path base, Events events) throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.events = events;
        this.base = base == null ? null : base.toAbsolutePath().normalize();
        this.roots = normalized(roots);
        sync();
    }

    private static List<Path> normalized(List<Path> roots) {
        return roots.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
    }

    /** The watched paths changed (a step was edited): watch these from now on. */
    public synchronized void roots(List<Path> roots) {
        List<Path> now = normalized(roots);
        if (now.equals(this.roots)) {
            return; // as they were: what appeared under them since was registered as its events came
        }
        this.roots = now;
        sync();
    }

    public List<Path> roots() {
        return roots;
    }

    /** How many directories are registered. */
    public int directories() {
        return registered.size();
    }

    /** Registers what the roots need now; keys of directories gone were dropped as their events came. */
    private synchronized void sync() {
        for (Path root : roots) {
            Path parent = root.getParent();
            while (parent != null && !Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
                parent = parent.getParent();
            }
            if (parent != null) {
                register(parent);
                if (base != null && parent.startsWith(base)) {
                    for (Path up = parent.getParent(); up != null && up.startsWith(base); up = up.getParent()) {
                        register(up);
                    }
                }
            }
            if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    // links are never followed, as hashing does not follow them
                    Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            register(dir);
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            return FileVisitResult.CONTINUE; // gone meanwhile, or unreadable: nothing to watch there
                        }
                    });
                } catch (IOException e) {
                    // the directory went away while it was walked: its parent's events bring it back
                }
            }
        }
    }

    private void register(Path dir) {
        if (registered.containsKey(dir)) {
            return;
        }
        try {
            WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            keys.put(key, dir);
            registered.put(dir, key);
            events.watching(dir);
        } catch (NoSuchFileException | ClosedWatchServiceException e) {
            // gone before it could be watched (its parent saw it go), or this watcher is closing
        } catch (IOException e) {
            events.cannotWatch(dir);
        }
    }

    /** Drops the watches of {@code path} and of the directories under it (they are made again by {@link #sync}). */
    private void unregisterTree(Path path) {
        for (Path dir : List.copyOf(registered.keySet())) {
            if (dir.startsWith(path)) {
                WatchKey key = registered.remove(dir);
                if (key != null) {
                    keys.remove(key);
                    key.cancel();
                }
                events.notWatching(dir); // after the watch is gone: what is read from now on is not vouched for
            }
        }
    }

    private boolean relevant(Path changed) {
        for (Path root : roots) {
            if (changed.startsWith(root) || root.startsWith(changed)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits for a change to a watched path, then until no further change came for {@code debounce}; returns the
     * paths that changed (a directory's path when the system dropped events).
     *
     * @throws ClosedWatchServiceException when {@link #close()} was called
     */
    public Set<Path> awaitSettled(Duration debounce) throws InterruptedException {
        Set<Path> changed = new LinkedHashSet<>();
        while (changed.isEmpty()) {
            take(service.take(), changed);
        }
        long quietUntil = System.nanoTime() + debounce.toNanos();
        while (true) {
            long left = quietUntil - System.nanoTime();
            WatchKey key = left <= 0 ? service.poll() : service.poll(left, TimeUnit.NANOSECONDS);
            if (key == null) {
                return changed;
            }
            if (take(key, changed)) {
                quietUntil = System.nanoTime() + debounce.toNanos();
            }
        }
    }

    /** Reads one key's events into {@code changed}; true when one was relevant. */
    private boolean take(WatchKey key, Set<Path> changed) {
        Path dir = keys.get(key);
        boolean relevant = false;
        boolean resync = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (dir == null) {
                continue;
            }
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                events.lost();
                changed.add(dir);
                relevant = true;
                resync = true;
                continue;
            }
            Path path = dir.resolve((Path) event.context());
            boolean entries = event.kind() != StandardWatchEventKinds.ENTRY_MODIFY;
            if (entries && registered.containsKey(path)) {
                // a watched directory deleted or renamed away, or a new one under its name: watch what is there now
                unregisterTree(path);
                resync = true;
            }
            events.changed(path, entries);
            if (relevant(path)) {
                changed.add(path);
                relevant = true;
                // a directory created (or one that replaced a file) has its own subtree to watch
                resync |= event.kind() == StandardWatchEventKinds.ENTRY_CREATE && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
            }
        }
        if (!key.reset()) {
            keys.remove(key);
            if (dir != null && registered.remove(dir, key)) {
                events.notWatching(dir);
            }
            resync = true;
        }
        if (resync) {
            sync();
        }
        return relevant;
    }

    /** Paths of {@code changed} as relative to {@code base} where they are under it, for messages. */
    public static List<String> describe(Path base, Set<Path> changed) {
        Set<String> out = new LinkedHashSet<>();
        Path b = base.toAbsolutePath().normalize();
        for (Path p : changed) {
            out.add(p.startsWith(b) && !p.equals(b) ? b.relativize(p).toString() : p.toString());
        }
        return List.copyOf(out);
    }

    @Override
    public void close() throws IOException {
        service.close();
        new HashSet<>(keys.keySet()).forEach(WatchKey::cancel);
    }
}
