package dev.tasksync.internal.watch;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * as they do.
 */
public final class PathWatcher implements AutoCloseable {
    private final WatchService service;
    private final Map<WatchKey, Path> keys = new ConcurrentHashMap<>();
    private final Set<Path> registered = ConcurrentHashMap.newKeySet();
    private volatile List<Path> roots;

    public PathWatcher(List<Path> roots) throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.roots = normalized(roots);
        sync();
    }

    private static List<Path> normalized(List<Path> roots) {
        return roots.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
    }

    /** The watched paths changed (a step was edited): watch these from now on. */
    public synchronized void roots(List<Path> roots) {
        this.roots = normalized(roots);
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
        if (registered.contains(dir)) {
            return;
        }
        try {
            WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            keys.put(key, dir);
            registered.add(dir);
        } catch (IOException | ClosedWatchServiceException e) {
            // gone before it could be watched (its parent saw it go), or this watcher is closing
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
                changed.add(dir);
                relevant = true;
                resync = true;
                continue;
            }
            Path path = dir.resolve((Path) event.context());
            if (relevant(path)) {
                changed.add(path);
                relevant = true;
                // a directory created (or one that replaced a file) has its own subtree to watch
                resync |= event.kind() == StandardWatchEventKinds.ENTRY_CREATE && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
            }
        }
        if (!key.reset()) {
            keys.remove(key);
            if (dir != null) {
                registered.remove(dir);
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
