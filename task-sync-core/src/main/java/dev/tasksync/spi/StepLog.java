package dev.tasksync.spi;

/** A step's log sink. Lines go to SLF4J and to the attempt's stored log tail. */
@FunctionalInterface
public interface StepLog {
    void line(String line);
}
