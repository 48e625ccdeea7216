package dev.tasksync.cli;

import picocli.CommandLine.Help.Ansi;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Colours of statuses on a terminal, following picocli's {@link Ansi} AUTO rules plus the
 * <a href="https://no-color.org">NO_COLOR</a> convention: on when standard output is a terminal, off when it
 * is not (a pipe, a file, CI), when {@code NO_COLOR} is set (to anything but the empty string) or
 * {@code TERM=dumb}; {@code --color=always|never} overrides all of that.
 */
final class Colors {
    /** What --color takes. */
    enum When { auto, always, never }

    static final Colors OFF = new Colors(false);
    private static final Pattern ESCAPES = Pattern.compile("\u001b\\[[0-9;]*m");

    private final boolean enabled;

    private Colors(boolean enabled) {
        this.enabled = enabled;
    }

    static Colors of(When when, Map<String, String> env, boolean terminal) {
        return new Colors(enabled(when, env, terminal));
    }

    static boolean enabled(When when, Map<String, String> env, boolean terminal) {
        if (when == When.always) {
            return true;
        }
        if (when == When.never) {
            return false;
        }
        String noColor = env.get("NO_COLOR");
        return terminal && (noColor == null || noColor.isEmpty()) && !"dumb".equals(env.get("TERM"));
    }

    boolean enabled() {
        return enabled;
    }

    /** picocli's setting for the help text, so that it follows the same rules. */
    Ansi ansi() {
        return enabled ? Ansi.ON : Ansi.OFF;
    }

    /**
     * {@code text} (a status, possibly padded: {@code "failed   "}) in its status's colour: completed green,
     * failed red, skipped and cancelled yellow, active cyan; anything else as it is.
     */
    String status(String text) {
        String code = switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "completed", "success" -> "32";
            case "failed" -> "31";
            case "skipped", "cancelled" -> "33";
            case "active", "running" -> "36";
            default -> null;
        };
        return code == null ? text : paint(code, text);
    }

    /** Bold, for a run's outcome word (also coloured by status). */
    String outcome(String text) {
        String lower = text.strip().toLowerCase(Locale.ROOT);
        String code = lower.equals("completed") ? "1;32" : lower.equals("failed") ? "1;31" : lower.equals("cancelled") ? "1;33" : "1";
        return paint(code, text);
    }

    /** {@code plan}'s RUN column: "yes" stands out, "no" (up to date) does not. */
    String willRun(boolean yes) {
        return yes ? paint("1;36", "yes") : paint("2", "no");
    }

    private String paint(String code, String text) {
        // the padding stays outside the colour, so underlined or bold text does not run on
        if (!enabled || text.isBlank()) {
            return text;
        }
        String stripped = text.stripTrailing();
        return "\u001b[" + code + "m" + stripped + "\u001b[0m" + text.substring(stripped.length());
    }

    /** The length of {@code text} as shown, without colour codes (for aligning columns). */
    static int visibleLength(String text) {
        return text.indexOf('\u001b') < 0 ? text.length() : ESCAPES.matcher(text).replaceAll("").length();
    }
}
