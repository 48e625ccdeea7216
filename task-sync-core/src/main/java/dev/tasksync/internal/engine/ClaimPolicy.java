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
 * each task and wakes other workers as it records.
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
     * by their free slots, and only a worker already running steps of them claims ahead (spd16).
     */
    boolean scansAhead();

    /** What a claim looks at when nothing more precise is known: the run's task, or every task. */
    ClaimStatements.Scope scan();

    /**
     * What the recording of a completed step claims in the same statement, besides nothing: its dependents,
     * and for a run the ready steps, or for a worker with no dependents any claimable step. Null: claim nothing.
     */
    ClaimStatements.Scope afterCompletion(int stepId, List<Integer> dependents, int max, Set<Integer> running);

    /** A statement to send before the next claim, in its round trip (a run's submit), taken once; or null. */
    ResultQuery<Record> takeSubmit();

    /** Checks the answer of the statement {@link #takeSubmit} gave. */
    void submitted(Result<Record> rows);

    /** The outcome of a step was recorded: what was waiting for it may be ready, or it will not run again here. */
    void recorded(TaskGraph graph, int stepId, boolean completed, boolean gaveUp);

    /** Whether recording goes in a transaction, for the writes of {@link #afterRecording}. */
    boolean recordsInTransaction();

    /**
     * Within the recording's transaction (when {@link #recordsInTransaction}): what else the outcomes of
     * one task do, given the dependents of the completed steps and the steps claimed with them.
     */
    void afterRecording(DSLContext t, int taskId, List<Integer> dependents, List<Claim> claimed);

    /**
     * A statement to send right after recording a step's outcome alone, in the same round trip, or null;
     * {@code alone}: nothing else of this runner runs or waits to start.
     */
    ResultQuery<Record> settleWith(int stepId, boolean alone);

    /** The answer of the statement {@link #settleWith} gave. */
    void settledBy(Result<Record> rows);

    /**
     * wrk16: whether several completions that wait together are recorded in one statement whatever their tasks,
     * committed by itself ({@link WorkerRecorder}), instead of one transaction per task.
     */
    default boolean recordsAcrossTasks() {
        return false;
    }

    /**
     * wrk16: after a batch of {@link #recordsAcrossTasks} committed: what else it does for the tasks whose
     * outcomes counted, given every step it claimed.
     */
    default void afterBatch(DSLContext dsl, Set<Integer> tasks, List<Claim> claimed) {
    }
}
