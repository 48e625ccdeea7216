package dev.tasksync.docker;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class MarkerScanTest {

    @Test
    void findsAMarkerSplitAcrossChunksOfOneStream() {
        MarkerScan scan = new MarkerScan("#__PASS__#", "#__FAIL__#");
        scan.feed(0, bytes("ok #__PA"));
        scan.feed(0, bytes("S"));
        assertThat(scan.found(0)).isFalse();
        scan.feed(0, bytes("S__# and more"));
        assertThat(scan.found(0)).isTrue();
        assertThat(scan.found(1)).isFalse();
    }

    @Test
    void doesNotJoinTheEndOfOneStreamToTheOtherAndKeepsWhatItFound() {
        MarkerScan scan = new MarkerScan("#__PASS__#", null);
        scan.feed(0, bytes("#__PA"));
        scan.feed(1, bytes("SS__#"));
        assertThat(scan.found(0)).isFalse();
        scan.feed(1, bytes("#__PASS__#"));
        scan.feed(1, bytes("x".repeat(100_000)));
        assertThat(scan.found(0)).isTrue();
        assertThat(scan.found(1)).isFalse();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
