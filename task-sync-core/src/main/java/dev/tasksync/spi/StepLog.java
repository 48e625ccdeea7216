package dev.tasksync.spi;

/**
 * A step's log sink. Lines go to SLF4J, to the run's listener and to the attempt's stored log tail
 * (its last 200 lines, at most 16 KiB); a line longer than 4,096 characters is cut there, and says
 * how much was cut. A step type that reads output of unbounded shape should split it before.
 */
@FunctionalInterface
public interface StepLog {
    void line(String line);
}
