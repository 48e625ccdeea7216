package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The stored form of a log chunk: zstd now, deflate as stored before (and where zstd cannot load). */
class ChunkCodecTest {
    private static ChunkCodec.Raw chunk() {
        ChunkCodec.Raw raw = new ChunkCodec.Raw(0, 1024, System.nanoTime());
        for (int i = 0; i < 1_000; i++) {
            raw.add(1_800_000_000_000_000L + i, i % 10 == 9 ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT,
                    ("line " + i + " é").getBytes(StandardCharsets.UTF_8));
        }
        return raw;
    }

    @Test
    void aWritersChunksAreZstdFramesThatReadBackLineForLine() {
        ChunkCodec.Raw raw = chunk();
        byte[] stored;
        try (ChunkCodec.Compressor compressor = new ChunkCodec.Compressor()) {
            stored = compressor.compress(raw.bytes, raw.length);
            assertThat(compressor.compress(raw.bytes, raw.length)).isEqualTo(stored); // reused, not spent
        }
        assertThat(stored).startsWith((byte) 0x28, (byte) 0xB5, (byte) 0x2F, (byte) 0xFD);
        assertThat(stored.length).isLessThan(raw.length / 4);
        List<LogLine> lines = ChunkCodec.lines(stored);
        assertThat(lines).hasSize(1_000);
        assertThat(lines.get(0).text()).isEqualTo("line 0 é");
        assertThat(lines.get(9).stream()).isEqualTo(LogLine.Stream.STDERR);
        assertThat(lines.get(999).time().getNano() % 1_000_000).isEqualTo(999_000);
    }

    @Test
    void deflatedChunksStoredBeforeStillRead() {
        ChunkCodec.Raw raw = chunk();
        byte[] deflated = ChunkCodec.deflate(raw.bytes, raw.length);
        assertThat(deflated[0]).isEqualTo((byte) 0x78);
        assertThat(ChunkCodec.lines(deflated)).hasSize(1_000).last()
                .satisfies(l -> assertThat(l.text()).isEqualTo("line 999 é"));
    }
}
