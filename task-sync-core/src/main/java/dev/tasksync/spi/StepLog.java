package dev.tasksync.spi;

import dev.tasksync.LogLine;

/**
 * A step's log sink. Lines go to SLF4J, to the run's listener, to the attempt's full stored log (in the database,
 * up to its cap) and to the attempt's stored log tail (its last 200 lines, at most 16 KiB); a line longer than
 * 4,096 characters is cut in the tail, and says how much was cut. A step type that reads output of unbounded
 * shape should split it before.
 */
@FunctionalInterface
public interface StepLog {
    /** A line of the step's own (standard output). */
    void line(String line);

    /**
     * A line a process of the step wrote on {@code stream}; a type that runs processes says which stream each line
     * came from, so that the stored log keeps it. Sinks that do not keep streams log it as {@link #line(String)}.
     */
    default void line(LogLine.Stream stream, String line) {
        line(line);
    }
}
