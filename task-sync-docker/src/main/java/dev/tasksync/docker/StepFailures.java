package dev.tasksync.docker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.spi.StepOutcome;

import java.util.List;

/**
 * How every Docker step type ends on a refusal it expects (the engine's, a path outside local_path, settings that
 * only fail when the step runs): a failed outcome with the refusal's message and the results gathered until then.
 * Anything else propagates, so the engine records it as an unexpected error.
 */
final class StepFailures {
    private StepFailures() {
    }

    /** One step's work, filling in {@code results} as it goes. */
    @FunctionalInterface
    interface Work {
        StepOutcome run(ObjectNode results) throws Exception;
    }

    @SafeVarargs
    static StepOutcome failingOn(Work work, Class<? extends Exception>... expected) throws Exception {
        ObjectNode results = StepOutcome.newResults();
        try {
            return work.run(results);
        } catch (Exception e) {
            if (List.of(expected).stream().anyMatch(type -> type.isInstance(e))) {
                return StepOutcome.failure(e.getMessage(), results);
            }
            throw e;
        }
    }
}
