package dev.tasksync.internal.logs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The cap of one attempt's log: the first half of {@code 2 × half} bytes is kept as it comes (the head); once it is
 * full, one seq is left free for the note (the gap) and later chunks roll: the oldest stored tail chunks are deleted
 * as new ones come, so that at most {@code half} bytes of tail stay. Counts what was stored and left out.
 */
final class RollingTail {
    /** What to do with one batch: the rows to insert and the seqs of stored chunks to delete. */
    record Plan(List<ChunkRows.Row> inserting, List<Integer> deleting, List<long[]> dropped) {
    }

    private final long half;
    private long headBytes;
    /** The seq left free between the kept head and the rolling tail, for the note; -1 while the head fills. */
    private int gapSeq = -1;
    private final Deque<long[]> tailChunks = new ArrayDeque<>(); // {seq, textBytes, lines} of stored tail chunks
    private long tailBytes;
    private long droppedBytes;
    private long droppedLines;
    private long storedBytes;

    RollingTail(long half) {
        this.half = half;
    }

    long half() {
        return half;
    }

    /** The head is still filling (the gap is not placed yet). */
    boolean headOpen() {
        return gapSeq < 0;
    }

    /** Bytes of text the head takes before it is full: the chunk in which it fills is cut after that line. */
    long headRoom() {
        return half - headBytes;
    }

    /** Counts a chunk placed in the head. */
    void countHead(long textBytes) {
        headBytes += textBytes;
    }

    /** The head is full: {@code seq} is left for the note, later chunks roll. */
    void gapAt(int seq) {
        gapSeq = seq;
    }

    /** The rows of a batch to insert and what to delete; a chunk inserted and dropped in one batch is not inserted. */
    Plan plan(List<ChunkCodec.Raw> chunks, List<byte[]> data) {
        List<long[]> drop = new ArrayList<>();
        for (ChunkCodec.Raw chunk : chunks) {
            if (gapSeq >= 0 && chunk.seq > gapSeq) {
                tailChunks.addLast(new long[]{chunk.seq, chunk.textBytes, chunk.lines});
                tailBytes += chunk.textBytes;
                while (tailBytes > half && tailChunks.size() > 1) {
                    long[] oldest = tailChunks.removeFirst();
                    tailBytes -= oldest[1];
                    drop.add(oldest);
                }
            }
        }
        Set<Integer> dropped = new HashSet<>();
        drop.forEach(d -> dropped.add((int) d[0]));
        List<Integer> deleting = dropped.stream().filter(seq -> chunks.stream().noneMatch(c -> c.seq == seq)).toList();
        List<ChunkRows.Row> inserting = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            ChunkCodec.Raw c = chunks.get(i);
            if (!dropped.contains(c.seq)) {
                inserting.add(new ChunkRows.Row(c.seq, c.lines, c.textBytes, data.get(i)));
            }
        }
        return new Plan(inserting, deleting, drop);
    }

    /** Counts a batch after its store: what was stored, and what is left out (failed, or rolled out). */
    void stored(List<ChunkCodec.Raw> chunks, Plan plan, boolean stored) {
        for (ChunkCodec.Raw c : chunks) {
            if (stored) {
                storedBytes += c.textBytes;
            } else {
                droppedBytes += c.textBytes;
                droppedLines += c.lines;
            }
        }
        for (long[] d : plan.dropped()) {
            droppedBytes += d[1];
            droppedLines += d[2];
            storedBytes -= d[1];
        }
    }

    /** The seq of the note about the dropped middle, or -1 if nothing was left out there. */
    int noteSeq() {
        return droppedBytes > 0 ? gapSeq : -1;
    }

    String note() {
        return "[... " + droppedLines + " lines (" + droppedBytes + " bytes) left out of the middle of this log: an attempt keeps at most "
                + 2 * half + " bytes (TaskSync.builder().logs)]";
    }

    long droppedBytes() {
        return droppedBytes;
    }

    long storedBytes() {
        return storedBytes;
    }
}
