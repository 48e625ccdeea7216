package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.spi.LocalFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The inputs of one cell of the grading matrix, hashed: a cell whose fingerprint equals the one stored with the last
 * results is not graded again. Each part is hashed apart so that the reason for a re-grade can be named.
 */
final class CellFingerprints {
    private CellFingerprints() {
    }

    /**
     * What the cells of a step share, part by part (in the order a changed part is named): the image, the graded
     * files, the held-out tests, the verdict and limits.
     */
    static Map<String, String> shared(String imageId, Path localPath, List<String> files, boolean allowOutside,
                                      List<PathMatcher> ignore, Path heldOut, String verdictAndLimits) {
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("image", imageId);
        MessageDigest d = sha256();
        for (Map.Entry<String, Path> f : LocalFiles.files(localPath, files, allowOutside, ignore).entrySet()) {
            add(d, "file", f.getKey());
            add(d, "content", f.getValue() == null ? "-" : hashPath(f.getValue()));
        }
        parts.put("files", hex(d));
        parts.put("held_out_tests", heldOut == null ? "-" : hashPath(heldOut));
        MessageDigest v = sha256();
        add(v, "verdict", verdictAndLimits);
        parts.put("verdict", hex(v));
        return parts;
    }

    /** Why a cell is graded again: the first part of its inputs that changed, as plan and the log say it. */
    static String reason(Map<String, String> now, JsonNode before) {
        if (before == null || !before.isObject()) {
            return "not graded yet";
        }
        for (Map.Entry<String, String> part : now.entrySet()) {
            JsonNode old = before.get(part.getKey());
            if (old == null || !old.asText().equals(part.getValue())) {
                return switch (part.getKey()) {
                    case "patch" -> "patch changed";
                    case "criterion" -> "criterion changed";
                    case "held_out_tests" -> "held-out tests changed";
                    case "image" -> "image changed";
                    case "files" -> "graded files changed";
                    default -> part.getKey() + " changed";
                };
            }
        }
        return null;
    }

    static String column(GradingColumn column) {
        return column.patch() == null ? "original" : hashPath(column.patch());
    }

    /**
     * What decides a criterion's verdict: its command. Its points and required only weigh the verdict, so a change to
     * them re-scores the stored cells and runs nothing.
     */
    static String criterion(DockerRubrics.Criterion c) {
        MessageDigest d = sha256();
        add(d, "command", c.command());
        return hex(d);
    }

    /** A file's or directory's content (names, bytes and the executable bit), or "-" when it is missing. */
    static String hashPath(Path p) {
        MessageDigest d = sha256();
        try {
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return "-";
            }
            if (!Files.isDirectory(p)) {
                d.update(Files.readAllBytes(p));
                return hex(d);
            }
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path f : (Iterable<Path>) walk.sorted()::iterator) {
                    add(d, "name", p.relativize(f).toString());
                    if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                        add(d, "x", String.valueOf(Files.isExecutable(f)));
                        d.update(Files.readAllBytes(f));
                    }
                }
            }
            return hex(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void add(MessageDigest d, String key, String value) {
        d.update(key.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
        d.update(value.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest()).substring(0, 16);
    }
}
