package dev.tasksync.benchmarks;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection with blocking reads: the whole of what row 18c's viewers need (GETs and an
 * event stream). The JDK's HttpClient took the viewers' process about as much CPU as all of PostgreSQL's backends
 * during a watched run (per-thread CPU of a full 18c run), on the 2 cores the run itself needs; this reads the
 * same bytes, every one of them, at a fraction of that, so the row measures the console rather than its client.
 */
final class LoopbackHttp implements Closeable {
    private static final byte[] EVENT = "event:".getBytes(StandardCharsets.US_ASCII);

    private final String host;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    LoopbackHttp(String host, int port) throws IOException {
        this.host = host;
        this.socket = new Socket(host, port);
        socket.setTcpNoDelay(true);
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.out = socket.getOutputStream();
    }

    /** GETs {@code path}, reads the whole body; returns the status. */
    int get(String path) throws IOException {
        send(path, "application/json");
        int status = status();
        long length = -1;
        boolean chunked = false;
        String h;
        while (!(h = line()).isEmpty()) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            long n;
            while ((n = Long.parseLong(line().split(";")[0].strip(), 16)) > 0) {
                skip(n);
                line();
            }
            line(); // the empty trailer
        } else if (length >= 0) {
            skip(length);
        } else {
            throw new IOException("GET " + path + ": neither Content-Length nor chunked");
        }
        return status;
    }

    /**
     * GETs the event stream at {@code path}, reads it until it ends or is closed, and runs {@code onEvent} at each
     * line that starts an event ({@code event:}). Scans the bytes as they come: an event's data line can be longer
     * than any buffer (the first event of a 10,000-step task is one line of several hundred KiB).
     */
    void stream(String path, Runnable onEvent) throws IOException {
        send(path, "text/event-stream");
        int status = status();
        if (status != 200) {
            throw new IOException("GET " + path + ": " + status);
        }
        boolean chunked = false;
        String h;
        while (!(h = line()).isEmpty()) {
            String lower = h.toLowerCase(Locale.ROOT);
            chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
        }
        byte[] buf = new byte[16 * 1024];
        int matched = 0; // how much of "event:" the current line starts with so far; -1: it does not
        long left = chunked ? -1 : Long.MAX_VALUE; // bytes left in the current chunk
        while (true) {
            if (left == 0) {
                line(); // the CRLF after a chunk
                left = -1;
            }
            if (left < 0) {
                left = Long.parseLong(line().split(";")[0].strip(), 16);
                if (left == 0) {
                    return; // the server ended the stream
                }
            }
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                return;
            }
            left -= n;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    matched = 0;
                } else if (matched >= 0) {
                    matched = b == EVENT[matched] ? matched + 1 : -1;
                    if (matched == EVENT.length) {
                        onEvent.run();
                        matched = -1;
                    }
                }
            }
        }
    }

    private void send(String path, String accept) throws IOException {
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: " + accept + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private int status() throws IOException {
        String s = line();
        String[] parts = s.split(" ");
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + s);
        }
        return Integer.parseInt(parts[1]);
    }

    /** A CRLF-ended line of the head or of chunk framing. */
    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        if (c < 0 && b.length() == 0) {
            throw new IOException("connection closed");
        }
        return b.toString();
    }

    private void skip(long n) throws IOException {
        byte[] buf = new byte[8192];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new IOException("connection closed in a body");
            }
            n -= r;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
