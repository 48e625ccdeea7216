package dev.tasksync.internal.watch;

import dev.tasksync.TaskSync;
import dev.tasksync.internal.hashing.FileHasher;
import dev.tasksync.internal.hashing.FileIndex;
import dev.tasksync.internal.hashing.WatchedFiles;
import dev.tasksync.internal.store.Database;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A plan in watch mode looks only at what the watcher saw change: the real file index on the test database behind
 * it, a real watcher in front, and a record of what reached the file index.
 */
class KnownFilesIT {
    /** Short: each wait ends when the events read stay quiet this long; a late event is read by the next wait. */
    static final Duration SETTLE = Duration.ofMillis(50);
    static final Path MAX_QUEUED = Path.of("/proc/sys/fs/inotify/max_queued_events");

    @TempDir
    Path dir;
    TaskSync ts;
    KnownFiles known;
    PathWatcher watcher;
    Recorded full;
    List<Path> files = new ArrayList<>();
    /** How many times the watcher told events were lost. */
    final AtomicInteger lost = new AtomicInteger();

    /** The file index, with what each look asked of it. */
    static final class Recorded implements WatchedFiles {
        final FileIndex index;
        int listings;
        final List<Set<Path>> hashed = new ArrayList<>();
        final List<Set<Path>> reread = new ArrayList<>();
        Runnable whileHashing = () -> { };

        Recorded(FileIndex index) {
            this.index = index;
        }

        @Override
        public Map<String, Path> expand(Path root, List<String> watched, boolean allowOutside, List<PathMatcher> ignore) {
            listings++;
            return WatchedFiles.super.expand(root, watched, allowOutside, ignore);
        }

        @Override
        public Map<Path, String> hash(Collection<Path> files, Set<Path> again) {
            hashed.add(new TreeSet<>(files));
            reread.add(new TreeSet<>(again));
            Map<Path, String> out = index.hash(files, again);
            whileHashing.run();
            return out;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        for (int d = 0; d < 3; d++) {
            for (int f = 0; f < 5; f++) {
                files.add(TestFiles.write(dir, "src/p" + d + "/f" + f + ".txt", "file " + d + "/" + f));
            }
        }
        ts = TestDatabase.open();
        full = new Recorded(new FileIndex(Database.dsl(ts.dataSource(), ts.schema())));
        known = new KnownFiles(dir);
        watcher = new PathWatcher(List.of(dir.resolve("src")), dir, new PathWatcher.Events() {
            @Override
            public void watching(Path d) {
                known.watching(d);
            }

            @Override
            public void cannotWatch(Path d) {
                known.cannotWatch(d);
            }

            @Override
            public void notWatching(Path d) {
                known.notWatching(d);
            }

            @Override
            public void changed(Path path, boolean entries) {
                known.changed(path, entries);
            }

            @Override
            public void lost() {
                lost.incrementAndGet();
                known.lost();
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        watcher.close();
        ts.close();
    }

    /** One plan's look: the listing of src, then the hash of every file listed. */
    private Map<Path, String> look() {
        WatchedFiles files = known.over(full);
        Map<String, Path> listed = files.expand(dir, List.of("src"), false, List.of());
        return files.hash(listed.values());
    }

    /** Reads the watcher's events, as the watch thread does, until it has told these paths changed. */
    private void settle(Path... expected) throws Exception {
        Set<Path> seen = new HashSet<>();
        while (!seen.containsAll(List.of(expected))) {
            seen.addAll(watcher.awaitSettled(SETTLE));
        }
    }

    private Path file(int d, int f) {
        return dir.resolve("src/p" + d + "/f" + f + ".txt");
    }

    @Test
    void afterTheFirstLookOnlyTheFileThatChangedIsLookedAtAgain() throws Exception {
        assertThat(look()).hasSize(15);
        assertThat(full.hashed.get(0)).hasSize(15);
        Files.writeString(file(1, 2), "edited");
        settle(file(1, 2));
        Map<Path, String> second = look();
        assertThat(second.get(file(1, 2))).isEqualTo(FileHasher.sha256(file(1, 2)));
        assertThat(second).hasSize(15);
        assertThat(full.listings).as("the listing is kept").isEqualTo(1);
        assertThat(full.hashed.get(1)).containsExactly(file(1, 2));
        assertThat(full.reread.get(1)).as("read again whatever its stat says").containsExactly(file(1, 2));
        // Nothing changed since: nothing is looked at.
        look();
        assertThat(full.hashed).hasSize(2);
    }

    @Test
    void afterLostEventsTheNextLookIsAFullCheck() throws Exception {
        look();
        // The JDK's watch service tells an overflow (OVERFLOW) when the system dropped events; the watcher passes it on.
        known.lost();
        look();
        assertThat(full.listings).isEqualTo(2);
        assertThat(full.hashed.get(1)).hasSize(15);
    }

    @Test
    @Timeout(120) // the wait below blocks for an event: an OVERFLOW never told would hang it
    void aRealOverflowOfTheWatchServiceMakesTheNextLookAFullCheck() throws Exception {
        look();
        // More events than both queues hold, and nothing reads the watcher meanwhile (this thread drives it): either
        // the JDK's list of the directory's events passes its limit (512) or, if the JDK's reader lags behind, the
        // kernel's queue of the inotify instance does. Either way the watch service tells OVERFLOW. A file created
        // and deleted in turn: every event differs from the one before, so none is merged with it.
        int limit = Files.isReadable(MAX_QUEUED) ? Integer.parseInt(Files.readString(MAX_QUEUED).trim()) : 16_384;
        Path burst = dir.resolve("src/p1/burst.txt");
        for (int i = 0; i < limit / 2 + 1_024; i++) {
            Files.writeString(burst, "x");
            Files.delete(burst);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (lost.get() == 0 && System.nanoTime() < deadline) {
            watcher.awaitSettled(SETTLE);
        }
        assertThat(lost.get()).as("an OVERFLOW told").isPositive();
        look();
        assertThat(full.listings).as("listed again").isEqualTo(2);
        assertThat(full.hashed.get(1)).as("every file looked at again").hasSize(15);
        // And the watch goes on: a later change is seen, and only it is looked at.
        Files.writeString(file(2, 4), "edited after the overflow");
        settle(file(2, 4));
        assertThat(look().get(file(2, 4))).isEqualTo(FileHasher.sha256("edited after the overflow"));
        assertThat(full.hashed.get(2)).containsExactly(file(2, 4));
    }

    @Test
    void aFileCreatedOrDeletedChangesTheListing() throws Exception {
        look();
        Path created = TestFiles.write(dir, "src/p2/new.txt", "new");
        Files.delete(file(0, 0));
        settle(created, file(0, 0));
        Map<Path, String> second = look();
        assertThat(second).containsKey(created).doesNotContainKey(file(0, 0)).hasSize(15);
        assertThat(full.listings).isEqualTo(2);
        assertThat(full.hashed.get(1)).containsExactly(created);
    }

    @Test
    void aFileReplacedByARenameKeepsTheListingAndIsReadAgain() throws Exception {
        look();
        Path tmp = TestFiles.write(dir, "src/p0/.f3.txt.swp", "saved");
        Files.move(tmp, file(0, 3), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        settle(file(0, 3));
        Map<Path, String> second = look();
        assertThat(second.get(file(0, 3))).isEqualTo(FileHasher.sha256("saved"));
        assertThat(full.listings).as("the same files under the same names").isEqualTo(1);
        assertThat(full.hashed.get(1)).containsExactly(file(0, 3));
    }

    @Test
    void aDirectoryDeletedAndMadeAgainIsLookedAtAgain() throws Exception {
        look();
        for (int f = 0; f < 5; f++) {
            Files.delete(file(2, f));
        }
        Files.delete(dir.resolve("src/p2"));
        settle(dir.resolve("src/p2"));
        assertThat(look()).hasSize(10);
        TestFiles.write(dir, "src/p2/f0.txt", "again");
        settle(dir.resolve("src/p2"));
        assertThat(look()).containsEntry(file(2, 0), FileHasher.sha256("again")).hasSize(11);
        // The new directory is watched: a change in it is seen.
        Files.writeString(file(2, 0), "and again");
        settle(file(2, 0));
        assertThat(look()).containsEntry(file(2, 0), FileHasher.sha256("and again"));
    }

    @Test
    void aFileThatChangesWhileItIsReadIsNotVouchedFor() throws Exception {
        // The write comes after the file index read the file, and its event before the look ends: what the look read
        // is already old, so it must not be kept.
        full.whileHashing = () -> {
            try {
                Files.writeString(file(0, 1), "written while it was read");
                settle(file(0, 1));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        Map<Path, String> first = look();
        assertThat(first.get(file(0, 1))).isEqualTo(FileHasher.sha256("file 0/1"));
        full.whileHashing = () -> { };
        Map<Path, String> second = look();
        assertThat(second.get(file(0, 1))).isEqualTo(FileHasher.sha256("written while it was read"));
        assertThat(full.hashed.get(1)).containsExactly(file(0, 1));
    }
}
