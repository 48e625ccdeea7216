package dev.tasksync.internal.engine;

import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;

import java.util.List;
import java.util.Set;

/**
 * What a runner claims and what its recordings also do: the one place the two modes differ. An
 * in-process run ({@link RunClaims}) claims the steps of its task, from the ready set it keeps, and
 * ahead of its slots; a worker ({@link WorkerClaims}) claims any task's steps, none ahead, and settles
 * each task and wakes other workers as it records. Both record through the one {@link Completer}.
 */
interface ClaimPolicy {
    /** Candidates a claim from a known set looks at, at most: enough for every slot and some that turn out not runnable. */
    static int maxCandidates(int concurrency) {
        return concurrency * 2 + 8;
    }

    /** Whether claims honour worker labels and Docker-engine pins: a worker's do; a run claims its task wherever it is. */
    boolean placed();

    /** How many steps a claim may take beyond the free slots, to start as soon as a slot frees. */
    int lookahead();

    /**
     * How far the look-ahead may grow when steps end faster than their recording comes back (see {@link Slots});
     * by default it does not grow.
     */
    default int maxLookahead() {
        return lookahead();
    }

    /**
     * Whether a claim of the runner's own (not one that goes with an outcome) also takes places ahead. A
     * worker's does not: steps that no one holds yet are shared out among the workers a notification woke
     * by their free slots, and only a worker already running steps of them claims ahead.
     */
    boolean scansAhead();

    /**
     * Whether a completed step's thread goes on without waiting for its outcome to be recorded (an in-process run's:
     * it queues the outcome, and a recording thread records it and starts what it claimed), and since s21 a worker's
     * too (its recording thread also wakes the other workers and settles, see {@link WorkerClaims#recordsWithoutWaiting}).
     * Failures and claims given back are recorded by their own thread whatever this says.
     */
    boolean recordsWithoutWaiting();

    /** What a claim looks at when nothing more precise is known: the run's task, or every task. */
    ClaimStatements.Scope scan();

    /**
     * Whether the recording of a completed step claims in the same statement: a run's does when the step released
     * dependents or some step is ready; a worker's always does (and remembers the dependents). Which steps it claims
     * is chosen once for the batch it is recorded in ({@link #forBatch}); {@code running}: the steps this runner holds.
     */
    boolean claimsAfter(List<Integer> dependents, Set<Integer> running);

    /**
     * The candidates the recording of {@code batch} claims from, chosen once for the batch from its total {@code limit}
     * (more than 0). Each policy chooses here, not per completion: chosen per completion and merged, candidates
     * cost most of a fan-out's step-thread CPU, and a worker's first completions took every released step.
     */
    ClaimStatements.Scope forBatch(List<Completer.Completion> batch, int limit);

    /** The runner took these claims (their steps have not started yet). */
    default void took(List<Claim> claims) {
    }

    /** A claim of the runner's ended with no outcome recorded (given back, or its lease lost): it may be claimed again. */
    default void released(int stepId) {
    }

    /** A statement to send before the next claim, in its round trip (a run's submit), taken once; or null. */
    ResultQuery<Record> takeSubmit();

    /** Checks the answer of the statement {@link #takeSubmit} gave. */
    void submitted(Result<Record> rows);

    /** The outcome of a step was recorded: what was waiting for it may be ready, or it will not run again here. */
    void recorded(TaskGraph graph, int stepId, boolean completed, boolean gaveUp);

    /**
     * A statement to send right after recording one step's outcome alone, in the same round trip, or null;
     * {@code dependents}: the step's direct dependents; {@code alone}: nothing else of this runner runs or waits to
     * start. A run's last step settles its task so; a worker wakes the other workers when the outcome released a
     * dependent that its statement did not claim ({@link ClaimStatements#wakeWorkers}).
     */
    ResultQuery<Record> sendWith(DSLContext t, int stepId, List<Integer> dependents, boolean alone);

    /** The answer of the statement {@link #sendWith} gave. */
    void sentWith(Result<Record> rows);

    /**
     * The channel to wake other workers on, in the round trip of several outcomes recorded together, when they
     * released a dependent they did not claim ({@link ClaimStatements#wakeWorkers}); null: wake no one (an in-process run's steps are its own).
     */
    String wakeChannel();

    /**
     * After outcomes committed (a batch of completions, or a failure): what else follows from them, given the tasks
     * and steps whose outcomes counted, every step claimed with them, and which steps the runner still holds
     * (a worker settles the tasks they may have finished, once per batch and task).
     */
    void committed(Set<Integer> tasks, Set<Integer> steps, List<Claim> claimed, Completer.Held held);

    /**
     * Whether {@link #committed} asks the {@link Completer.Held} it is given: a worker does, to leave the settling
     * of a task to a step of it it still holds; then the completer keeps track of which steps reached their
     * recording. An in-process run settles with its last outcome and never asks, so it is spared that bookkeeping
     * (a concurrent set written twice per step).
     */
    default boolean asksHeld() {
        return true;
    }
}
