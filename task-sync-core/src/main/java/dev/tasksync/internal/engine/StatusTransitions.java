package dev.tasksync.internal.engine;

import dev.tasksync.StepStatus;
import dev.tasksync.TaskStatus;

import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static dev.tasksync.StepStatus.ACTIVE;
import static dev.tasksync.StepStatus.CANCELLED;
import static dev.tasksync.StepStatus.COMPLETED;
import static dev.tasksync.StepStatus.FAILED;
import static dev.tasksync.StepStatus.NEW;
import static dev.tasksync.StepStatus.SKIPPED;

/**
 * Every status change the engine makes, in one table (JobRunr's allowed-state-change habit). The
 * statements that change a status say which change they make through {@link #step}, once, when their
 * text is built; a change missing here fails there, and {@code StatusTransitionsTest} pins the table.
 * A task's status is not changed directly but derived from its steps' ({@link #taskStatusOf}, the same
 * rule as the settling statement's CASE); a submit sets it {@code active} from any status.
 */
public final class StatusTransitions {
    private static final Map<StepStatus, Set<StepStatus>> STEP = new EnumMap<>(StepStatus.class);

    static {
        // claim; submit (new inputs); finish/skipDownstream (an upstream failed); cancel (waiting)
        STEP.put(NEW, EnumSet.of(ACTIVE, NEW, SKIPPED, CANCELLED));
        // record (done, failed, cancelled, retry later); release; claim again after the lease was lost; reset
        STEP.put(ACTIVE, EnumSet.of(COMPLETED, FAILED, CANCELLED, NEW, ACTIVE));
        // a finished step runs again only once a submit or a reset made it new
        for (StepStatus finished : EnumSet.of(COMPLETED, FAILED, SKIPPED, CANCELLED)) {
            STEP.put(finished, EnumSet.of(NEW));
        }
    }

    private StatusTransitions() {
    }

    /** The statuses a step in {@code from} may be given. */
    public static Set<StepStatus> allowed(StepStatus from) {
        return EnumSet.copyOf(STEP.get(from));
    }

    public static boolean isAllowed(StepStatus from, StepStatus to) {
        return STEP.get(from).contains(to);
    }

    /**
     * The stored value of {@code to}, for a statement that changes a step from {@code from} to it;
     * refuses a change the table does not allow. Called where statement text is built, not per row.
     */
    public static String step(StepStatus from, StepStatus to) {
        if (!isAllowed(from, to)) {
            throw new IllegalStateException("a step does not go from " + from + " to " + to);
        }
        return to.dbValue();
    }

    /** {@link #step(StepStatus, StepStatus)} for a statement that changes steps in any of {@code from} to {@code to}. */
    public static String step(Set<StepStatus> from, StepStatus to) {
        from.forEach(f -> step(f, to));
        return to.dbValue();
    }

    /** A task's status given its steps': what the settling statement computes in SQL. */
    public static TaskStatus taskStatusOf(Collection<StepStatus> steps) {
        if (steps.isEmpty()) {
            return TaskStatus.NEW;
        }
        boolean anyNew = steps.contains(NEW);
        if (steps.contains(ACTIVE) || anyNew && steps.stream().anyMatch(s -> s != NEW)) {
            return TaskStatus.ACTIVE;
        }
        if (steps.contains(FAILED) || steps.contains(SKIPPED)) {
            return TaskStatus.FAILED;
        }
        if (steps.contains(CANCELLED)) {
            return TaskStatus.CANCELLED;
        }
        return steps.stream().allMatch(s -> s == COMPLETED) ? TaskStatus.COMPLETED : TaskStatus.NEW;
    }
}
