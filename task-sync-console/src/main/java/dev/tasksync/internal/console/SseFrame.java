package dev.tasksync.internal.console;

import io.javalin.http.sse.SseClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One server-sent event, encoded once and written as the same bytes to every page that gets it. Javalin's
 * {@code SseClient.sendEvent} turns the data back into a stream, splits it into lines with a BufferedReader and
 * prints each line, for every client: with 50 pages of a 10,000-step run open that was most of the live thread's CPU
 * (JFR, benchmark row 18c). The bytes are those {@code sendEvent(name, data)} writes for data of one line
 * ({@code event: NAME\ndata: DATA\n\n}, UTF-8, the stream's charset).
 */
final class SseFrame {
    private final String event;
    private final String data;
    private final byte[] bytes;

    SseFrame(String event, String data) {
        this.event = event;
        this.data = data;
        boolean oneLine = data.indexOf('\n') < 0 && data.indexOf('\r') < 0; // compact JSON always is
        this.bytes = oneLine ? ("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8) : null;
    }

    /** Sends this event to the page (callers hold the client's lock); a page gone is closed, as sendEvent does. */
    void sendTo(SseClient client) {
        if (client.terminated()) {
            return;
        }
        if (bytes == null) {
            client.sendEvent(event, data); // several lines: Javalin's own framing
            return;
        }
        try {
            client.ctx().res().getOutputStream().write(bytes);
            client.ctx().res().flushBuffer();
        } catch (IOException e) {
            client.close(); // the page went away: its onClose unsubscribes it
        }
    }
}
