package dev.tasksync.spi;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * What one execution of a step produced: success or failure, the results object stored in the
 * step's {@code results} column, and on failure a message saying why.
 */
public record StepOutcome(boolean succeeded, ObjectNode results, String error) {

    public StepOutcome {
        Objects.requireNonNull(results, "results");
        if (!succeeded && (error == null || error.isBlank())) {
            throw new IllegalArgumentException("a failure needs a message");
        }
    }

    public static StepOutcome success(ObjectNode results) {
        return new StepOutcome(true, results, null);
    }

    public static StepOutcome success() {
        return success(newResults());
    }

    public static StepOutcome failure(String error, ObjectNode results) {
        return new StepOutcome(false, results, error);
    }

    public static StepOutcome failure(String error) {
        return failure(error, newResults());
    }

    /** An empty results object to fill. */
    public static ObjectNode newResults() {
        return JsonNodeFactory.instance.objectNode();
    }
}
