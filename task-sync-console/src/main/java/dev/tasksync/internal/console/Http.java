package dev.tasksync.internal.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/** Small text helpers for pages. */
final class Http {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xxx");

    private Http() {
    }

    static String encode(String s) {
        return s == null ? "" : URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String time(OffsetDateTime t) {
        return t == null ? "-" : t.format(TIME);
    }

    static String duration(Duration d) {
        if (d == null || d.isZero()) {
            return "-";
        }
        long ms = d.toMillis();
        return ms < 1000 ? ms + " ms" : ms < 60_000 ? String.format("%.1f s", ms / 1000.0)
                : String.format("%d min %d s", ms / 60_000, (ms / 1000) % 60);
    }
}
