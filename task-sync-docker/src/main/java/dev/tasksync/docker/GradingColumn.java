package dev.tasksync.docker;

import java.nio.file.Path;

/**
 * One column of the grading matrix: a solution, the original files or the golden solution.
 *
 * @param name  the column's name in results and the report ({@code original} and {@code golden} for the baselines)
 * @param kind  {@code solution}, {@code original} or {@code golden}
 * @param patch its patch file (null for the original)
 */
record GradingColumn(String name, String kind, Path patch) {
    static final String SOLUTION = "solution";
    static final String ORIGINAL = "original";
    static final String GOLDEN = "golden";
}
