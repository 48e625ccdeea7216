package dev.tasksync.internal.types;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.InvalidSettingsException;

import java.util.Iterator;
import java.util.Map;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;

/**
 * The one JSON dialect of settings: what {@code step create} accepts is exactly what the engine can
 * read back. Text is parsed with the same {@link StreamReadConstraints} as stored rows are read
 * with, refusing duplicate keys and trailing data; {@link #check} then refuses what PostgreSQL or
 * a later read would mangle or reject (NUL, unpaired surrogates, non-finite numbers, null values,
 * overlong keys and strings).
 */
public final class SettingsJson {
    /** Longest key of a settings object (keys are field names, env names, ...). */
    public static final int MAX_KEY_LENGTH = 1_000;
    /** Longest string value (a script given to docker_shell fits easily). */
    public static final int MAX_STRING_LENGTH = 100_000;
    /** Longest path a step watches (Linux's PATH_MAX); such paths become keys of results. */
    public static final int MAX_PATH_LENGTH = 4_096;
    /** Deepest nesting of a settings document. */
    public static final int MAX_DEPTH = 64;

    /** Shared by the write side (settings text) and the read side (stored rows). */
    public static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
            .maxNameLength(50_000)
            .maxStringLength(20_000_000)
            .maxNestingDepth(1_000)
            .maxNumberLength(1_000)
            .build();

    /** For settings text: duplicate keys and anything after the document are errors. */
    private static final ObjectMapper STRICT = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(CONSTRAINTS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** For stored rows (jsonb is always well-formed; keys are already unique). */
    public static final ObjectMapper READ = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(CONSTRAINTS)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build());

    /**
     * Only for rows task-sync did not write (e.g. by hand with SQL) that exceed {@link #CONSTRAINTS}:
     * they are read so that the step can be shown and fail alone with {@link #check}'s message.
     */
    private static final ObjectMapper UNBOUNDED = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNameLength(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNestingDepth(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE)
                    .build())
            .build());

    private SettingsJson() {
    }

    /** Parses settings text; malformed JSON is reported with its line and column, without Jackson's source excerpt. */
    public static JsonNode parse(String json) {
        try {
            JsonNode node = STRICT.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new InvalidSettingsException("$", "settings are empty; expected an object such as {\"file_exists\": \"path\"}");
            }
            return node;
        } catch (JsonProcessingException e) {
            String end = endOfFirstDocument(json);
            if (end != null) {
                throw new InvalidSettingsException("$", "unexpected data after the end of the JSON document, which ends at " + end
                        + "; give one JSON object");
            }
            var loc = e.getLocation();
            throw new InvalidSettingsException("$", "malformed JSON"
                    + (loc == null || loc.getLineNr() < 0 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                    + ": " + clean(e.getOriginalMessage()));
        }
    }

    /** Where the first JSON value of the text ends ("line L, column C"), when there is one and text follows it. */
    private static String endOfFirstDocument(String json) {
        try (JsonParser p = READ.createParser(json)) {
            if (p.nextToken() == null) {
                return null;
            }
            p.skipChildren();
            var loc = p.currentLocation();
            String end = "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            try {
                return p.nextToken() != null ? end : null;
            } catch (IOException e) {
                return end; // garbage after a complete document
            }
        } catch (IOException e) {
            return null; // the document itself is malformed: reported as such
        }
    }

    /** Reads a stored document; rows beyond the constraints (never written by task-sync) are still read. */
    public static JsonNode readStored(String json) throws JsonProcessingException {
        try {
            return READ.readTree(json);
        } catch (StreamConstraintsException e) {
            return UNBOUNDED.readTree(json);
        }
    }

    /**
     * Jackson's message without its source excerpt ("[Source: REDACTED (`StreamReadFeature...` disabled); line: 1, column: 2]"
     * becomes "line 1, column 2") and without advice to enable Jackson features (not the user's to enable).
     */
    static String clean(String message) {
        if (message == null) {
            return "unreadable";
        }
        if (message.startsWith("Trailing token")) {
            return "unexpected data after the end of the JSON document";
        }
        if (message.startsWith("Duplicate field")) {
            return message.replace("Duplicate field", "duplicate key");
        }
        String m = message.replaceAll("\\[Source: .*?; line: (\\d+), column: (\\d+)\\]", "line $1, column $2");
        m = m.replaceAll("\\[Source: [^\\]]*\\]", "");
        m = m.replaceAll("\\s*\\(`[A-Za-z]*Feature\\.[A-Z_]+` disabled\\)", "");
        m = m.replaceAll(":?\\s*(?:enable|use|not allowed as per|as per) `[A-Za-z.]*Feature\\.[A-Z_]+`(?: to allow)?", "");
        m = m.replaceAll(", from `StreamReadConstraints[^`]*`", "");
        m = m.replace("maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)",
                "comments are not allowed in JSON");
        m = m.replaceAll("\\s*\\([^()]*Feature '[A-Z_]+'[^()]*\\)", "");
        m = m.replaceAll("\\s*\\(by setting `[^`]*`[^)]*\\)", "");
        m = m.replace("\n", " ").replaceAll("\\s+", " ").trim();
        return m.isEmpty() ? "unreadable" : m;
    }

    /**
     * Refuses values that could not be stored faithfully or read back; every problem names its path. The path is
     * built only on the way back from a problem (every claim checks its step's settings: a path per value was most of
     * the check's garbage).
     */
    public static void check(JsonNode node, String path) {
        Problem p = problem(node, 0);
        if (p != null) {
            throw new InvalidSettingsException(path + p.below(), p.reason());
        }
    }

    /** A problem {@code below} (a path relative to the node checked: "" for itself) and why. */
    private record Problem(String below, String reason) {
        Problem under(String segment) {
            return new Problem(segment + below, reason);
        }
    }

    /** The first problem of {@code node} (at {@code depth}), in document order, or null. */
    private static Problem problem(JsonNode node, int depth) {
        if (depth > MAX_DEPTH) {
            return new Problem("", "nested more than " + MAX_DEPTH + " levels deep");
        }
        switch (node.getNodeType()) {
            case NULL -> {
                return new Problem("", "null is not a value here; leave the field out for its default");
            }
            case STRING -> {
                String why = stringProblem(node.textValue(), MAX_STRING_LENGTH, "the value");
                return why == null ? null : new Problem("", why);
            }
            case NUMBER -> {
                if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
                    return new Problem("", "the number " + node.asText() + " is out of range");
                }
                if (node.isBigDecimal() && !Double.isFinite(node.decimalValue().doubleValue())) {
                    return new Problem("", "the number is out of range");
                }
                return null;
            }
            case ARRAY -> {
                for (int i = 0; i < node.size(); i++) {
                    Problem p = problem(node.get(i), depth + 1);
                    if (p != null) {
                        return p.under("[" + i + "]");
                    }
                }
                return null;
            }
            case OBJECT -> {
                Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                while (fields.hasNext()) {
                    var e = fields.next();
                    String why = stringProblem(e.getKey(), MAX_KEY_LENGTH, "a key");
                    if (why != null) {
                        return new Problem("", why);
                    }
                    Problem p = problem(e.getValue(), depth + 1);
                    if (p != null) {
                        return p.under("." + e.getKey());
                    }
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    /** No NUL (PostgreSQL's text and jsonb cannot hold it), no unpaired surrogate, bounded length. */
    public static void checkString(String s, String path, int maxLength, String what) {
        String why = stringProblem(s, maxLength, what);
        if (why != null) {
            throw new InvalidSettingsException(path, why);
        }
    }

    /** Why {@link #checkString} would refuse {@code s} ({@code what} names it in the reason), or null. */
    private static String stringProblem(String s, int maxLength, String what) {
        if (s.length() > maxLength) {
            return what + " is " + s.length() + " characters long; at most " + maxLength + " are allowed";
        }
        String problem = textProblem(s);
        return problem == null ? null : what + " " + problem;
    }

    /** Why PostgreSQL could not store this text as given, or null when it can. */
    public static String textProblem(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u0000') {
                return "contains a NUL character (\\u0000) at index " + i + ", which cannot be stored";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "contains an unpaired UTF-16 surrogate (\\u" + Integer.toHexString(c) + ") at index " + i
                        + ", which is not valid Unicode";
            }
            if (Character.isLowSurrogate(c)) {
                return "contains an unpaired UTF-16 surrogate (\\u" + Integer.toHexString(c) + ") at index " + i
                        + ", which is not valid Unicode";
            }
        }
        return null;
    }

    /** The JSON path of the first string equal to {@code value} in the document, or {@code fallback}. */
    public static String pathOf(JsonNode node, String path, String value, String fallback) {
        if (node.isTextual()) {
            return node.textValue().equals(value) ? path : null;
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String p = pathOf(node.get(i), path + "[" + i + "]", value, null);
                if (p != null) {
                    return p;
                }
            }
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                var e = fields.next();
                String p = pathOf(e.getValue(), path + "." + e.getKey(), value, null);
                if (p != null) {
                    return p;
                }
            }
        }
        return fallback;
    }
}
