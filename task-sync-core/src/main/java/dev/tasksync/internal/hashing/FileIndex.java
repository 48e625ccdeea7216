package dev.tasksync.internal.hashing;

import org.jooq.DSLContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.time.Instant;
import org.jooq.Field;
import org.jooq.TableField;
import org.jooq.impl.DSL;

import static dev.tasksync.internal.store.jooq.Tables.FILE_INDEX;

/**
 * Hashes watched files the way git's index does: a file whose size and modification time (in
 * nanoseconds) are what they were when it was last hashed is not read again, unless that
 * modification was "racy" (within {@link #RACY_WINDOW_NANOS} of the hash, so a later write in the
 * same clock tick could hide behind an equal timestamp). Files to hash are read in parallel.
 */
public final class FileIndex implements WatchedFiles {
    /** Generous enough for file systems whose timestamps have one-second granularity. */
    static final long RACY_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Rows per upsert statement, well under PostgreSQL's 32,767 bind parameters. */
    private static final int BATCH = 2_000;
    /** Paths per lookup statement. */
    private static final int LOOKUP_BATCH = 10_000;

    private final DSLContext dsl;
    /** Whose files these are: rows of another host are never used here (its files at the same path may differ). */
    private final String host;

    public FileIndex(DSLContext dsl) {
        this(dsl, LocalHost.name());
    }

    public FileIndex(DSLContext dsl, String host) {
        this.dsl = dsl;
        this.host = host;
    }

    private record Stat(long size, long mtimeNanos) {
    }

    private record Entry(long size, long mtimeNanos, String sha256, long hashedAtNanos) {
        boolean matches(Stat stat) {
            return size == stat.size && mtimeNanos == stat.mtimeNanos && mtimeNanos < hashedAtNanos - RACY_WINDOW_NANOS;
        }
    }

    /**
     * SHA-256 of each file (lower-case hex); a file that vanished meanwhile maps to {@link FileHasher#MISSING}. The
     * files of {@code reread} are read whatever their size and modification time say.
     */
    @Override
    public Map<Path, String> hash(Collection<Path> files, Set<Path> reread) {
        if (files.isEmpty()) {
            return Map.of();
        }
        Map<Path, Stat> stats = new ConcurrentHashMap<>();
        files.parallelStream().forEach(f -> {
            Stat s = stat(f);
            if (s != null) {
                stats.put(f, s);
            }
        });
        List<String> keys = files.stream().map(FileIndex::key).toList();
        Map<String, Entry> known = new HashMap<>();
        // Plain IN lists, in chunks: "= any(?)" with a bound array was re-parsed per row scanned.
        for (int from = 0; from < keys.size(); from += LOOKUP_BATCH) {
            dsl.selectFrom(FILE_INDEX).where(FILE_INDEX.HOST.eq(host)).and(FILE_INDEX.PATH.in(keys.subList(from, Math.min(keys.size(), from + LOOKUP_BATCH))))
                    .forEach(r -> known.put(r.getPath(), new Entry(r.getSize(), r.getMtimeNs(), r.getSha256(), r.getHashedAtNs())));
        }

        Map<Path, String> hashes = new ConcurrentHashMap<>();
        List<Path> toHash = new ArrayList<>();
        for (Path f : files) {
            Stat s = stats.get(f);
            Entry e = known.get(key(f));
            if (s == null) {
                hashes.put(f, FileHasher.MISSING);
            } else if (e != null && e.matches(s) && !reread.contains(f)) {
                hashes.put(f, e.sha256());
            } else {
                toHash.add(f);
            }
        }
        if (toHash.isEmpty()) {
            return hashes;
        }
        Map<Path, Entry> fresh = new ConcurrentHashMap<>();
        toHash.parallelStream().forEach(f -> {
            long hashedAt = nowNanos();
            try {
                String sha = FileHasher.sha256(f);
                Stat after = stat(f);
                hashes.put(f, sha);
                if (after != null && after.equals(stats.get(f))) {
                    fresh.put(f, new Entry(after.size, after.mtimeNanos, sha, hashedAt));
                }
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof NoSuchFileException) {
                    hashes.put(f, FileHasher.MISSING);
                } else {
                    throw e;
                }
            }
        });
        List<Map.Entry<Path, Entry>> entries = new ArrayList<>(fresh.entrySet());
        for (int from = 0; from < entries.size(); from += BATCH) {
            var insert = dsl.insertInto(FILE_INDEX, FILE_INDEX.HOST, FILE_INDEX.PATH, FILE_INDEX.SIZE, FILE_INDEX.MTIME_NS,
                    FILE_INDEX.SHA256, FILE_INDEX.HASHED_AT_NS);
            for (var e : entries.subList(from, Math.min(entries.size(), from + BATCH))) {
                Entry v = e.getValue();
                insert = insert.values(host, key(e.getKey()), v.size, v.mtimeNanos, v.sha256, v.hashedAtNanos);
            }
            insert.onConflict(FILE_INDEX.HOST, FILE_INDEX.PATH).doUpdate()
                    .set(FILE_INDEX.SIZE, excluded(FILE_INDEX.SIZE))
                    .set(FILE_INDEX.MTIME_NS, excluded(FILE_INDEX.MTIME_NS))
                    .set(FILE_INDEX.SHA256, excluded(FILE_INDEX.SHA256))
                    .set(FILE_INDEX.HASHED_AT_NS, excluded(FILE_INDEX.HASHED_AT_NS))
                    .execute();
        }
        return hashes;
    }

    /** {@code excluded.column}; jOOQ's own excluded() would be qualified with the mapped schema. */
    private static <T> Field<T> excluded(TableField<?, T> column) {
        return DSL.field("excluded." + column.getName(), column.getType());
    }

    private static String key(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    private static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static Stat stat(Path f) {
        try {
            // A link is hashed as a link (FileHasher.sha256): its own size and time, never its target's.
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return new Stat(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the attributes of " + f + ": " + e.getMessage(), e);
        }
    }
}
