package dev.tasksync.internal.console;

import dev.tasksync.StepProgress;
import dev.tasksync.StepStatus;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One page of a task's step table: the steps that match the filter (a status, words of the title), from
 * {@code from}, at most {@link #PAGE_SIZE}. A task of up to {@link #PAGE_SIZE} steps shows every row on one page
 * without a pager, as before; a bigger one pages, because a page carrying all 10,000 rows of a big task (3 MB of
 * HTML) took the browser over a second to parse (BENCHMARKS.md row 18b), while the collapsed picture above the
 * table still counts every step.
 *
 * @param rows     the rows of this page
 * @param matching how many steps match the filter
 * @param total    how many steps the task has
 * @param from     the index, among the matching steps, of the first row shown
 * @param status   the status filter, or "" for any
 * @param search   the title filter, or ""
 * @param keep     query parameters of the page that the pager and filter keep (the full DAG, the plan shown)
 */
public record StepTable(List<Pages.StepRow> rows, int matching, int total, int from, String status, String search,
                        Map<String, String> keep) {
    /** As many rows as {@link DagView#FULL_LIMIT}: a task drawn node by node also lists every step on one page. */
    public static final int PAGE_SIZE = DagView.FULL_LIMIT;

    /** The page of {@code steps} (in id order) that starts at {@code from} among those that match. */
    static StepTable of(Collection<StepProgress> steps, StepStatus status, String search, int from, Map<String, String> keep,
                        Function<StepProgress, Pages.StepRow> row) {
        String words = search == null ? "" : search.trim();
        String needle = words.toLowerCase(Locale.ROOT);
        List<StepProgress> matching = steps.stream()
                .filter(s -> status == null || s.status() == status)
                .filter(s -> needle.isEmpty() || s.title().toLowerCase(Locale.ROOT).contains(needle))
                .toList();
        int start = Math.min(from, Math.max(0, matching.size() - 1) / PAGE_SIZE * PAGE_SIZE);
        List<Pages.StepRow> rows = matching.subList(start, Math.min(matching.size(), start + PAGE_SIZE)).stream().map(row).toList();
        return new StepTable(rows, matching.size(), steps.size(), start, status == null ? "" : status.dbValue(), words, keep);
    }

    /** Whether the table needs its filter and pager: more steps than one page holds, or a filter in use. */
    public boolean paged() {
        return total > PAGE_SIZE || filtered();
    }

    public boolean filtered() {
        return !status.isEmpty() || !search.isEmpty();
    }

    /** "steps 501–1,000 of 10,000" (of those that match, when filtered). */
    public String range() {
        if (matching == 0) {
            return "no step matches";
        }
        return String.format(Locale.ROOT, "steps %,d–%,d of %,d%s", from + 1, from + rows.size(), matching,
                filtered() ? String.format(Locale.ROOT, " matching (%,d in the task)", total) : "");
    }

    public boolean hasPrevious() {
        return from > 0;
    }

    public boolean hasNext() {
        return from + rows.size() < matching;
    }

    public String previousHref() {
        return href(Math.max(0, from - PAGE_SIZE));
    }

    public String nextHref() {
        return href(from + PAGE_SIZE);
    }

    private String href(int start) {
        return "?from=" + start + (status.isEmpty() ? "" : "&status=" + Http.encode(status))
                + (search.isEmpty() ? "" : "&q=" + Http.encode(search))
                + keep.entrySet().stream().map(e -> "&" + e.getKey() + "=" + Http.encode(e.getValue())).collect(Collectors.joining())
                + "#steps";
    }
}
