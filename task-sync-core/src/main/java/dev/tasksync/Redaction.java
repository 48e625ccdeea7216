package dev.tasksync;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks passwords in text that is about to be printed or logged: every message that names a database
 * URL goes through {@link #redact}, so a password never reaches a terminal, a log or a CI transcript.
 */
public final class Redaction {
    public static final String MASK = "***";

    /** {@code password=...} (also {@code sslpassword=}) in a URL's query, up to the next parameter. */
    private static final Pattern QUERY_PASSWORD =
            Pattern.compile("(?i)([?&;](?:ssl)?password=)(?!\\*\\*\\*(?:[\\s&'\":,;)]|$))[^&\\s'\"]*"); // not again once masked
    /** {@code scheme://user:password@host}: the password, up to the last '@' of the word (it may contain '@'). */
    private static final Pattern USERINFO_PASSWORD =
            Pattern.compile("(?i)(\\b[a-z][a-z0-9+.-]*://[^/\\s:@'\"]*:)[^\\s'\"]*(@)");

    private Redaction() {
    }

    /**
     * {@code text} with the passwords of any URLs in it masked, and each of {@code secrets} (for example a
     * password given on its own, as {@code --db-password}) masked wherever it appears, also URL-encoded.
     */
    public static String redact(String text, String... secrets) {
        if (text == null) {
            return null;
        }
        String s = text;
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                s = s.replace(secret, MASK);
                String encoded = URLEncoder.encode(secret, StandardCharsets.UTF_8);
                if (!encoded.equals(secret)) {
                    s = s.replace(encoded, MASK);
                }
            }
        }
        s = QUERY_PASSWORD.matcher(s).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        s = USERINFO_PASSWORD.matcher(s).replaceAll("$1" + Matcher.quoteReplacement(MASK) + "$2");
        return s;
    }
}
