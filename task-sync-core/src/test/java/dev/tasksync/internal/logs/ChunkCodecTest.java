package dev.tasksync.internal.logs;

import dev.tasksync.LogLine;
import org.junit.jupiter.api.Test;

import com.github.luben.zstd.Zstd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The stored form of a log chunk: zstd now, deflate as stored before (and where zstd cannot load); two formats. */
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

    @Test
    void aLineCostsAFewBytesBesideItsTextNotAFixedThirteen() {
        ChunkCodec.Raw raw = new ChunkCodec.Raw(0, 1024, System.nanoTime());
        long t = 1_800_000_000_000_000L;
        for (int i = 0; i < 1_000; i++) {
            raw.add(t + 3L * i, LogLine.Stream.STDOUT, "x".repeat(99).getBytes(StandardCharsets.UTF_8));
        }
        // 1 format byte and the first line's 8-byte time, then per line a 1-byte time delta and 2 bytes of length
        // and stream (the first format spent 13 bytes a line)
        assertThat(raw.length).isEqualTo(1 + 8 + 1_000 * (1 + 2 + 99));
        assertThat(raw.bytes[0]).isEqualTo(ChunkCodec.FORMAT);
    }

    @Test
    void timesAreKeptToTheMicrosecondAndNeverGoBack() {
        ChunkCodec.Raw raw = new ChunkCodec.Raw(0, 16, System.nanoTime());
        long t = 1_800_000_000_123_456L;
        raw.add(t, LogLine.Stream.STDOUT, "a".getBytes(StandardCharsets.UTF_8));
        raw.add(t + 5_000_000_000L, LogLine.Stream.STDERR, "b".repeat(300).getBytes(StandardCharsets.UTF_8));
        raw.add(t + 1, LogLine.Stream.STDOUT, new byte[0]); // earlier than the line before: kept at its time
        List<LogLine> lines = ChunkCodec.lines(ChunkCodec.deflate(raw.bytes, raw.length));
        assertThat(lines).extracting(LogLine::time).containsExactly(Instant.ofEpochSecond(1_800_000_000L, 123_456_000),
                Instant.ofEpochSecond(1_800_005_000L, 123_456_000), Instant.ofEpochSecond(1_800_005_000L, 123_456_000));
        assertThat(lines).extracting(LogLine::stream).containsExactly(LogLine.Stream.STDOUT, LogLine.Stream.STDERR, LogLine.Stream.STDOUT);
        assertThat(lines.get(1).text()).hasSize(300);
        assertThat(lines.get(2).text()).isEmpty();
    }

    /** Chunks of the first format (a 13-byte header per line), as earlier versions stored them, zstd or deflated. */
    @Test
    void chunksOfTheFirstFormatStillRead() {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            long micros = 1_800_000_000_000_000L + i;
            for (int b = 7; b >= 0; b--) {
                raw.write((int) (micros >>> (8 * b)));
            }
            raw.write(i == 1 ? 1 : 0);
            byte[] text = ("old " + i + " é").getBytes(StandardCharsets.UTF_8);
            raw.write(0);
            raw.write(0);
            raw.write(0);
            raw.write(text.length);
            raw.writeBytes(text);
        }
        byte[] bytes = raw.toByteArray();
        for (byte[] stored : List.of(Zstd.compress(bytes, 1), ChunkCodec.deflate(bytes, bytes.length))) {
            List<LogLine> lines = ChunkCodec.lines(stored);
            assertThat(lines).extracting(LogLine::text).containsExactly("old 0 é", "old 1 é", "old 2 é");
            assertThat(lines.get(1).stream()).isEqualTo(LogLine.Stream.STDERR);
            assertThat(lines.get(2).time()).isEqualTo(Instant.ofEpochSecond(1_800_000_000L, 2_000));
        }
    }

    /** Lines go in as their UTF-8 bytes, ASCII, Latin-1 and UTF-16 strings alike, and come back as they were. */
    @Test
    void linesOfAnyCharactersComeBackAsTheyWere() {
        ChunkCodec.Raw raw = new ChunkCodec.Raw(0, 16, System.nanoTime());
        long t = 1_800_000_000_000_000L;
        // é is Latin-1 (a byte above 127), ā (U+0101) and 😀 are UTF-16 strings whose low bytes alone look like ASCII
        List<String> texts = List.of("plain ascii ~", "café", "\u0101b", "x\uD83D\uDE00", "", "y".repeat(5_000));
        for (int i = 0; i < texts.size(); i++) { // the last grows the array
            raw.add(t + i, i % 2, texts.get(i).getBytes(StandardCharsets.UTF_8));
        }
        List<LogLine> lines = ChunkCodec.lines(ChunkCodec.deflate(raw.bytes, raw.length));
        assertThat(lines).extracting(LogLine::text).containsExactlyElementsOf(texts);
        assertThat(lines).extracting(LogLine::stream).containsExactly(LogLine.Stream.STDOUT, LogLine.Stream.STDERR,
                LogLine.Stream.STDOUT, LogLine.Stream.STDERR, LogLine.Stream.STDOUT, LogLine.Stream.STDERR);
        assertThat(lines.get(5).time()).isEqualTo(Instant.ofEpochSecond(1_800_000_000L, 5_000));
        assertThat(raw.textBytes).isEqualTo(14 + 6 + 4 + 6 + 1 + 5_001);
    }

    /**
     * Strings go in straight (with no array per line) only when every character is ASCII: é (Latin-1), ā and ł
     * (UTF-16, low bytes 0x01 and 0x42, "B") and an emoji are refused and go as their UTF-8 bytes instead.
     */
    @Test
    void onlyAsciiLinesGoInStraightFromTheStringAndEveryLineComesBackAsItWas() {
        ChunkCodec.Raw raw = new ChunkCodec.Raw(0, 16, System.nanoTime());
        ChunkCodec.Ascii scratch = new ChunkCodec.Ascii(64);
        long t = 1_800_000_000_000_000L;
        List<String> texts = List.of("plain ascii ~\u007f", "caf\u00e9", "\u0101b", "\u0142", "x\uD83D\uDE00", "", "y".repeat(65), "z");
        List<Integer> straight = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            int n = raw.addAscii(t + i, i % 2, text, scratch);
            if (n < 0) {
                raw.add(t + i, i % 2, text.getBytes(StandardCharsets.UTF_8));
            } else {
                assertThat(n).isEqualTo(text.length());
                straight.add(i);
            }
        }
        assertThat(straight).as("ASCII and no longer than the scratch").containsExactly(0, 5, 7);
        List<LogLine> lines = ChunkCodec.lines(ChunkCodec.deflate(raw.bytes, raw.length));
        assertThat(lines).extracting(LogLine::text).containsExactlyElementsOf(texts);
        assertThat(lines.get(7).time()).isEqualTo(Instant.ofEpochSecond(1_800_000_000L, 7_000));
        assertThat(raw.textBytes).isEqualTo(15 + 6 + 4 + 3 + 6 + 1 + 66 + 2);
    }

    @Test
    void aChunkCutAfterTheLineThatReachesABoundReadsBackAsTheSameLinesInTwoChunks() {
        ChunkCodec.Raw raw = new ChunkCodec.Raw(0, 64, System.nanoTime());
        long t = 1_800_000_000_000_000L;
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String text = "line " + i + (i % 7 == 0 ? " é" : "");
            texts.add(text);
            raw.add(t + 1_000L * i, i % 3 == 0 ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, text.getBytes(StandardCharsets.UTF_8));
        }
        List<LogLine> all = ChunkCodec.lines(ChunkCodec.deflate(raw.bytes, raw.length));
        int textBytes = raw.textBytes;
        int upTo = 0;
        for (int i = 0; i <= 40; i++) {
            upTo += texts.get(i).getBytes(StandardCharsets.UTF_8).length + 1;
        }
        upTo -= 2; // reached inside line 40 (its newline counted): the head keeps lines 0-40
        ChunkCodec.Raw rest = raw.splitAfter(upTo, null);
        assertThat(raw.lines).isEqualTo(41);
        assertThat(rest.lines).isEqualTo(59);
        assertThat(raw.textBytes + rest.textBytes).isEqualTo(textBytes);
        assertThat(raw.textBytes).isEqualTo(upTo + 2);
        List<LogLine> head = ChunkCodec.lines(ChunkCodec.deflate(raw.bytes, raw.length));
        List<LogLine> tail = ChunkCodec.lines(ChunkCodec.deflate(rest.bytes, rest.length));
        List<LogLine> both = new ArrayList<>(head);
        both.addAll(tail);
        assertThat(both).isEqualTo(all); // texts, streams and times (the rest's first time is in its header)
        assertThat(tail.get(0).time()).isEqualTo(Instant.ofEpochSecond(1_800_000_000L, 41_000_000));
        assertThat(raw.splitAfter(raw.textBytes, null)).as("reached at the last line: nothing to cut").isNull();
    }
}
