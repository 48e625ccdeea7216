package dev.tasksync.internal.logs;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs of lines shared by the writer and the thread that closed the log: either encodes (not only compresses)
 * them, the writer runs queued runs itself rather than wait, and each run's slots are freed once it is encoded.
 */
class CompressQueueTest {
    private static CompressQueue.Run run(String[] texts, int from, int to) {
        CompressQueue.Run run = new CompressQueue.Run(System.nanoTime(), 4096);
        byte[] streams = new byte[texts.length];
        run.add(texts, streams, from, to, 1_800_000_000_000_000L, 0);
        return run;
    }

    private static List<String> textsOf(CompressQueue.Run run) {
        List<String> out = new ArrayList<>();
        for (ChunkCodec.Raw chunk : run.chunks) {
            ChunkCodec.lines(chunk.data).forEach(l -> out.add(l.text()));
        }
        return out;
    }

    private static String[] lines(int n, String prefix) {
        String[] texts = new String[n];
        for (int i = 0; i < n; i++) {
            texts[i] = prefix + i;
        }
        return texts;
    }

    @Test
    void withAHelperExpectedButBusyTheWriterEncodesTheQueuedRunsItselfInsteadOfWaiting() throws Exception {
        CompressQueue queue = new CompressQueue();
        queue.expectHelp(); // nobody helps yet: the writer's await must not wait for a helper
        String[] texts = lines(3_000, "line ");
        List<CompressQueue.Run> runs = List.of(run(texts, 0, 1_000), run(texts, 1_000, 2_000), run(texts, 2_000, 3_000));
        try (CompressQueue.Encoder encoder = new CompressQueue.Encoder()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                runs.forEach(r -> queue.submit(r, encoder));
                queue.await(runs.get(2), encoder); // encodes the older ones on the way
            });
            writer.get(60, TimeUnit.SECONDS);
        }
        assertThat(runs).allSatisfy(r -> assertThat(queue.done(r)).isTrue());
        assertThat(textsOf(runs.get(1))).hasSize(1_000).startsWith("line 1000").endsWith("line 1999");
        assertThat(texts).as("encoded lines are garbage").containsOnlyNulls();
        assertThat(queue.helped()).isZero();
        queue.over();
    }

    @Test
    void theClosingThreadEncodesRunsTheWriterQueues() throws Exception {
        CompressQueue queue = new CompressQueue();
        queue.expectHelp();
        CompletableFuture<Void> helper = CompletableFuture.runAsync(queue::help);
        String[] texts = lines(2_000, "é ");
        CompressQueue.Run run = run(texts, 0, 2_000);
        try (CompressQueue.Encoder encoder = new CompressQueue.Encoder()) {
            queue.submit(run, encoder); // queued: this thread (the writer) never takes it back, only the helper encodes
            while (!queue.done(run)) {
                Thread.onSpinWait();
            }
            queue.over();
            helper.get(60, TimeUnit.SECONDS);
        }
        assertThat(queue.helped()).isEqualTo(run.chunks.size()).isPositive();
        assertThat(textsOf(run)).hasSize(2_000).startsWith("é 0").endsWith("é 1999");
    }
}
