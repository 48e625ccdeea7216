package dev.tasksync.internal.hashing;

import dev.tasksync.TaskSync;
import dev.tasksync.internal.store.Database;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The file index is kept per host: a file another host hashed at the same path is hashed again here. */
class FileIndexHostIT {
    @TempDir
    Path dir;

    @Test
    void twoHostsWithDifferentFilesAtTheSamePathNeverShareAHash() throws Exception {
        try (TaskSync ts = TestDatabase.open()) {
            DSLContext dsl = Database.dsl(ts.dataSource(), ts.schema());
            Path f = dir.resolve("same.txt");
            Files.writeString(f, "aaaa");
            FileTime mtime = FileTime.fromMillis(System.currentTimeMillis() - 60_000); // not racy
            Files.setLastModifiedTime(f, mtime);
            String onA = new FileIndex(dsl, "host-a").hash(List.of(f)).get(f);
            // Host b's file at that path: same size and modification time, other content.
            Files.writeString(f, "bbbb");
            Files.setLastModifiedTime(f, mtime);
            String onB = new FileIndex(dsl, "host-b").hash(List.of(f)).get(f);
            assertThat(onB).isEqualTo(FileHasher.sha256(f)).isNotEqualTo(onA);
            // Each host's row stands for its own file; host a, seeing its row match, keeps its own hash.
            assertThat(new FileIndex(dsl, "host-a").hash(List.of(f)).get(f)).isEqualTo(onA);
            assertThat(Rows.query(ts, "SELECT host FROM ${schema}.file_index ORDER BY host")).extracting(r -> r.get("host"))
                    .containsExactly("host-a", "host-b");
        }
    }
}
