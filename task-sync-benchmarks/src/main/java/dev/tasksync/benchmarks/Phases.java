package dev.tasksync.benchmarks;

import dev.tasksync.RunListener;
import dev.tasksync.StepResult;
import dev.tasksync.Task;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Splits a run's wall time into before the first step starts (load, plan, fingerprints), executing
 * (first start to last finish) and after (final status, read-back), from the listener's callbacks.
 */
final class Phases implements RunListener {
    private final long created = System.nanoTime();
    private volatile long runStarted;
    private final AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastFinish = new AtomicLong();
    private long returned;

    @Override
    public void runStarted(Task task, int total) {
        runStarted = System.nanoTime();
    }

    @Override
    public void stepStarted(int stepId, String title) {
        firstStart.accumulateAndGet(System.nanoTime(), Math::min);
    }

    @Override
    public void stepFinished(StepResult result) {
        lastFinish.accumulateAndGet(System.nanoTime(), Math::max);
    }

    void returned() {
        returned = System.nanoTime();
    }

    double beforeMs() {
        return (Math.min(firstStart.get(), returned) - created) / 1e6;
    }

    double executingMs() {
        return firstStart.get() == Long.MAX_VALUE ? 0 : (lastFinish.get() - firstStart.get()) / 1e6;
    }

    double afterMs() {
        return lastFinish.get() == 0 ? 0 : (returned - lastFinish.get()) / 1e6;
    }

    double planMs() {
        return runStarted == 0 ? 0 : (runStarted - created) / 1e6;
    }

    String summary() {
        return Report.num("load+plan %s, to first step %s, executing %s, after last step %s", Report.ms(planMs()),
                Report.ms(beforeMs()), Report.ms(executingMs()), Report.ms(afterMs()));
    }
}
