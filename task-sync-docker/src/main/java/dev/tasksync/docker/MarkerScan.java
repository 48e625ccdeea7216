package dev.tasksync.docker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Watches a process's output for markers as it streams by, so that a marker is found however much output follows it
 * (results keep only a tail). Each stream is scanned apart; the last bytes of its previous chunk are kept, so a
 * marker split across chunks is found too.
 */
final class MarkerScan {
    private final byte[][] markers;
    private final boolean[] found;
    private final int keep;
    /** Per stream (stdout, stderr): the last {@link #keep} bytes seen. */
    private final byte[][] carry = {new byte[0], new byte[0]};

    /** The markers to look for; a null one is never found. */
    MarkerScan(String... markers) {
        this.markers = new byte[markers.length][];
        int longest = 1;
        for (int i = 0; i < markers.length; i++) {
            this.markers[i] = markers[i] == null || markers[i].isEmpty() ? null : markers[i].getBytes(StandardCharsets.UTF_8);
            longest = Math.max(longest, this.markers[i] == null ? 0 : this.markers[i].length);
        }
        this.found = new boolean[markers.length];
        this.keep = longest - 1;
    }

    /** Scans the next chunk of a stream (0: stdout, 1: stderr). */
    synchronized void feed(int stream, byte[] bytes) {
        byte[] before = carry[stream];
        byte[] text = new byte[before.length + bytes.length];
        System.arraycopy(before, 0, text, 0, before.length);
        System.arraycopy(bytes, 0, text, before.length, bytes.length);
        for (int i = 0; i < markers.length; i++) {
            if (!found[i] && markers[i] != null && indexOf(text, markers[i]) >= 0) {
                found[i] = true;
            }
        }
        carry[stream] = Arrays.copyOfRange(text, Math.max(0, text.length - keep), text.length);
    }

    /** Whether the i-th marker was seen in either stream so far. */
    synchronized boolean found(int i) {
        return found[i];
    }

    private static int indexOf(byte[] text, byte[] marker) {
        outer:
        for (int i = 0; i <= text.length - marker.length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (text[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
