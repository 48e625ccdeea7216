package dev.tasksync.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The rows of one benchmark run, printed as a table and written as BENCHMARKS.md. */
final class Report {

    /** Whether a row's goal was met. */
    enum Verdict {
        MET("met"), MISSED("MISSED"), INFO("-"), SKIPPED("skipped");

        final String label;

        Verdict(String label) {
            this.label = label;
        }
    }

    /**
     * One figure: task-sync's absolute number, the baseline's absolute number, their ratio, and the goal.
     *
     * @param ratio    task-sync relative to the baseline, as the goal states it (e.g. "1.3×")
     * @param headline the figure the goal is about, e.g. "0.8 ms extra per step"
     */
    record Row(String id, String name, String taskSync, String baseline, String ratio, String headline,
               String goal, Verdict verdict, String note) {
    }

    final List<Row> rows = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    void add(Row row) {
        rows.add(row);
        System.out.println("  -> " + row.id() + " " + row.name() + ": " + row.taskSync() + " vs " + row.baseline()
                + " = " + row.ratio() + (row.headline().isEmpty() ? "" : " (" + row.headline() + ")")
                + " [" + row.verdict().label + "]");
    }

    void skip(String id, String name, String goal, String why) {
        add(new Row(id, name, "-", "-", "-", "", goal, Verdict.SKIPPED, why));
    }

    void note(String text) {
        notes.add(text);
    }

    Row row(String id) {
        return rows.stream().filter(r -> r.id().equals(id)).findFirst().orElse(null);
    }

    static final String[] HEADER = {"#", "benchmark", "task-sync", "baseline", "ratio", "headline", "goal", "met"};

    private List<String[]> cells() {
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows) {
            cells.add(new String[] {r.id(), r.name(), r.taskSync(), r.baseline(), r.ratio(), r.headline(), r.goal(),
                    r.verdict().label});
        }
        return cells;
    }

    /** A fixed-width table for the console. */
    String table() {
        List<String[]> cells = cells();
        int[] width = new int[HEADER.length];
        for (int i = 0; i < HEADER.length; i++) {
            width[i] = HEADER[i].length();
        }
        for (String[] c : cells) {
            for (int i = 0; i < c.length; i++) {
                width[i] = Math.max(width[i], c[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, HEADER, width);
        StringBuilder rule = new StringBuilder();
        for (int w : width) {
            rule.append("-".repeat(w)).append("  ");
        }
        sb.append(rule.toString().stripTrailing()).append('\n');
        cells.forEach(c -> line(sb, c, width));
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] c, int[] width) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < c.length; i++) {
            l.append(String.format(Locale.ROOT, "%-" + width[i] + "s  ", c[i]));
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    /** A Markdown table. */
    String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", HEADER)).append(" |\n");
        sb.append("|").append(" --- |".repeat(HEADER.length)).append('\n');
        for (String[] c : cells()) {
            sb.append("| ");
            for (int i = 0; i < c.length; i++) {
                sb.append(c[i].replace("|", "\\|")).append(i + 1 < c.length ? " | " : " |\n");
            }
        }
        return sb.toString();
    }

    // ---- formatting helpers

    static String ms(double millis) {
        if (millis >= 10_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000);
        }
        if (millis >= 100) {
            return String.format(Locale.ROOT, "%.0f ms", millis);
        }
        if (millis >= 10) {
            return String.format(Locale.ROOT, "%.1f ms", millis);
        }
        return String.format(Locale.ROOT, "%.2f ms", millis);
    }

    static String ratio(double r) {
        return String.format(Locale.ROOT, r >= 10 ? "%.1f×" : "%.2f×", r);
    }

    static String perSecond(double v, String unit) {
        return String.format(Locale.ROOT, "%,.0f %s/s", v, unit);
    }

    static String mibPerSecond(double bytesPerSecond) {
        return String.format(Locale.ROOT, "%,.0f MiB/s", bytesPerSecond / (1024 * 1024));
    }

    static String num(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }
}
