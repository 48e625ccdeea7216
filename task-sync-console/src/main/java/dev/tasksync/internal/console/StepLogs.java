package dev.tasksync.internal.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.LogLine;
import dev.tasksync.StepRun;
import dev.tasksync.TaskSync;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** The step page's logs: each attempt's full stored log, and the pieces a page that follows a running attempt asks for. */
public final class StepLogs {
    /** What the page itself carries per attempt; the rest stays one click (or one follow request) away. */
    static final int PAGE_BYTES = 1 << 20;
    /** Lines per follow answer, so a page catching up on a long log asks again rather than getting it whole. */
    static final int CHUNK_LINES = 5_000;

    private StepLogs() {
    }

    /**
     * One attempt's log as the page shows it.
     *
     * @param lines   how many lines {@code text} holds (where a follower goes on from)
     * @param running true while the attempt has not finished: the page follows it
     * @param cut     true when the log is longer than the page carries
     */
    public record AttemptLog(int attempt, String text, int lines, boolean running, boolean cut) {
    }

    static List<AttemptLog> forPage(TaskSync ts, int stepId, List<StepRun> history) {
        List<AttemptLog> logs = new ArrayList<>();
        for (StepRun r : history) {
            boolean running = r.finishedAt() == null; // read before the lines: a finished attempt's log is whole
            StringBuilder text = new StringBuilder();
            int lines = 0;
            boolean cut = false;
            try (Stream<LogLine> s = ts.logs(stepId, r.attempt())) {
                for (Iterator<LogLine> it = s.iterator(); it.hasNext(); ) {
                    if (text.length() > PAGE_BYTES) {
                        cut = true;
                        break;
                    }
                    text.append(it.next().text()).append('\n');
                    lines++;
                }
            }
            logs.add(new AttemptLog(r.attempt(), text.toString(), lines, running && !cut, cut));
        }
        return logs;
    }

    /** Lines {@code from} on (counting from 0) of one attempt, and whether the attempt has finished. */
    static ObjectNode chunk(TaskSync ts, int stepId, int attempt, int from) {
        boolean finished = ts.history(stepId).stream().anyMatch(r -> r.attempt() == attempt && r.finishedAt() != null);
        ObjectNode n = ApiJson.MAPPER.createObjectNode().put("step_id", stepId).put("attempt", attempt).put("from", from);
        ArrayNode a = n.putArray("lines");
        int count = 0;
        try (Stream<LogLine> s = ts.logs(stepId, attempt).skip(from).limit(CHUNK_LINES)) {
            for (Iterator<LogLine> it = s.iterator(); it.hasNext(); count++) {
                LogLine l = it.next();
                a.addObject().put("time", l.time().toString()).put("stream", l.stream().name().toLowerCase(Locale.ROOT)).put("text", l.text());
            }
        }
        n.put("next", from + count);
        // finished and nothing more to read: the follower stops
        n.put("finished", finished && count < CHUNK_LINES);
        return n;
    }
}
