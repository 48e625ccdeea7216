package dev.tasksync.cli;

import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.TaskStatus;
import picocli.CommandLine.Help.Ansi;

import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Colours of statuses on a terminal, following picocli's {@link Ansi} AUTO rules plus the
 * <a href="https://no-color.org">NO_COLOR</a> convention: on when standard output is a terminal, off when it
 * is not (a pipe, a file, CI), when {@code NO_COLOR} is set (to anything but the empty string) or
 * {@code TERM=dumb}; {@code --color=always|never} overrides all of that.
 */
final class Colors {
    private static final String PLAIN = "";
    private static final String GREEN = "32";
    private static final String RED = "31";
    private static final String YELLOW = "33";
    private static final String CYAN = "36";

    /** What --color takes. */
    enum When { auto, always, never }

    /** SGR codes by status ("" = plain); ColorsTest fails when a status has none. */
    static final Map<StepStatus, String> STEP = new EnumMap<>(Map.of(
            StepStatus.NEW, PLAIN, StepStatus.ACTIVE, CYAN, StepStatus.COMPLETED, GREEN, StepStatus.FAILED, RED,
            StepStatus.SKIPPED, YELLOW, StepStatus.CANCELLED, YELLOW));
    static final Map<TaskStatus, String> TASK = new EnumMap<>(Map.of(
            TaskStatus.NEW, PLAIN, TaskStatus.ACTIVE, CYAN, TaskStatus.COMPLETED, GREEN, TaskStatus.FAILED, RED,
            TaskStatus.CANCELLED, YELLOW));

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

    /** A step's status in its colour. */
    String status(StepStatus status) {
        return status(status, 0);
    }

    /** A step's status in its colour, padded with spaces to {@code width} (the padding stays plain). */
    String status(StepStatus status, int width) {
        return paint(STEP.get(status), pad(status.dbValue(), width));
    }

    /** A task's stored status in its colour; a value the engine does not give (written by hand) as it is. */
    String status(Task task) {
        for (TaskStatus status : TaskStatus.values()) {
            if (task.is(status)) {
                return paint(TASK.get(status), status.dbValue());
            }
        }
        return task.status();
    }

    /**
     * A run's outcome word, bold in its status's colour: {@code completed}, or upper case ({@code FAILED},
     * {@code CANCELLED}) so that it stands out without colour too.
     */
    String outcome(TaskStatus outcome) {
        String code = TASK.get(outcome);
        return paint(code.isEmpty() ? "1" : "1;" + code, outcome == TaskStatus.COMPLETED ? outcome.dbValue() : outcome.name());
    }

    /** {@code plan}'s RUN column: "yes" stands out, "no" (up to date) does not. */
    String willRun(boolean yes) {
        return yes ? paint("1;36", "yes") : paint("2", "no");
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }

    private String paint(String code, String text) {
        // the padding stays outside the colour, so underlined or bold text does not run on
        if (!enabled || code.isEmpty() || text.isBlank()) {
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
