package dev.tasksync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void aLeaseThatEndsOnAWholeMinuteIsPrintedWithItsSeconds() {
        StringWriter text = new StringWriter();
        Progress progress = new Progress(new PrintWriter(text, true), false, false);
        OffsetDateTime until = OffsetDateTime.now(ZoneId.systemDefault()).withHour(19).withMinute(2).withSecond(0).withNano(0);
        progress.waitingForLease(1, "Held", "other-worker", until);
        assertThat(text.toString()).contains("held by worker other-worker, lease until 19:02:00 (taken over");
    }
}
