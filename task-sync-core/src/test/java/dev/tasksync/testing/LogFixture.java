package dev.tasksync.testing;

import dev.tasksync.LogLine;
import dev.tasksync.Task;
import dev.tasksync.TaskSync;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The full-log tests' shared fixture ({@code @RegisterExtension}): holds the test's TaskSync and closes it after
 * each test, and reads an attempt's stored log back the way those tests check it.
 */
public final class LogFixture implements AfterEachCallback {
    private TaskSync ts;

    /** The TaskSync the test uses, closed after it. */
    public TaskSync use(TaskSync ts) {
        this.ts = ts;
        return ts;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (ts != null) {
            ts.close();
            ts = null;
        }
    }

    /** The id of the task's (first) step. */
    public int stepOf(Task task) {
        return ts.steps(task.id()).get(0).id();
    }

    /** The attempt's stored lines, read back through the API. */
    public List<LogLine> lines(int stepId, int attempt) {
        try (Stream<LogLine> s = ts.logs(stepId, attempt)) {
            return s.toList();
        }
    }

    public List<String> texts(int stepId, int attempt) {
        return lines(stepId, attempt).stream().map(LogLine::text).toList();
    }

    /** Rows of step_log_chunks the attempt has. */
    public long chunks(int stepId, int attempt) {
        return ((Number) Rows.query(ts, "SELECT count(*) AS n FROM ${schema}.step_log_chunks WHERE step_id = " + stepId
                + " AND attempt = " + attempt).get(0).get("n")).longValue();
    }

    /** Where the cap's note stands in a log of {@code printed} lines numbered "line N ...", and what it says. */
    public record CapNote(int index, long droppedLines) {
    }

    /**
     * Checks a log whose middle the cap dropped: it starts with the first line printed and ends with the last, holds
     * exactly one note, and the note's count plus the lines kept is every line printed.
     */
    public static CapNote capNote(List<String> texts, int printed) {
        assertThat(texts.get(0)).startsWith("line 1 ");
        assertThat(texts.get(texts.size() - 1)).startsWith("line " + printed + " ");
        List<String> notes = texts.stream().filter(t -> t.contains("left out of the middle of this log")).toList();
        assertThat(notes).hasSize(1);
        long dropped = Long.parseLong(notes.get(0).replaceAll("^\\[\\.\\.\\. (\\d+) lines.*", "$1"));
        assertThat(texts.size() - 1 + dropped).isEqualTo(printed);
        return new CapNote(texts.indexOf(notes.get(0)), dropped);
    }

    /** Checks a whole log of {@code printed} lines numbered "line N ...", every 10th on stderr. */
    public static void allPrinted(List<LogLine> lines, int printed) {
        assertThat(lines).hasSize(printed);
        assertThat(lines.get(0).text()).startsWith("line 1 ");
        assertThat(lines.get(printed - 1).text()).startsWith("line " + printed + " ");
        assertThat(lines.get(9).stream()).isEqualTo(LogLine.Stream.STDERR);
        assertThat(lines.get(10).stream()).isEqualTo(LogLine.Stream.STDOUT);
        assertThat(lines.stream().filter(l -> l.stream() == LogLine.Stream.STDERR)).hasSize(printed / 10);
        for (int i = 1; i < lines.size(); i++) {
            assertThat(lines.get(i).time()).isAfterOrEqualTo(lines.get(i - 1).time());
        }
    }
}
