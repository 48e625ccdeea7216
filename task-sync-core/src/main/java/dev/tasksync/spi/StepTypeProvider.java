package dev.tasksync.spi;

import java.util.List;
import java.util.Map;

/**
 * Step types that share something a TaskSync instance must own and close, e.g. one connection to a Docker engine
 * for all the Docker types. Found by {@link java.util.ServiceLoader} (list it in
 * {@code META-INF/services/dev.tasksync.spi.StepTypeProvider}); each TaskSync instance creates its own provider,
 * asks it once for its types, and closes it when the instance closes, after its steps have stopped.
 *
 * <p>Types registered in code ({@code TaskSync.builder().stepType(...)}) stay their caller's: their resources are
 * the caller's to close, as a DataSource given to {@code TaskSync.connect} is.
 */
public interface StepTypeProvider extends AutoCloseable {

    /** The types, created once per provider; a type registered in code with the same key wins. */
    List<StepType<?>> stepTypes();

    /**
     * Where this provider's steps run, as facts a worker registers and claims compare: e.g. the Docker types give
     * {@code {"docker_engine": "<the engine's ID>"}}. A step whose results hold {@code "pinned": {...}} (its image or
     * container lives there) is needed by its dependents only where every pinned fact is equal, so a worker claims
     * those dependents only when its facts match. Asked once per worker; empty when nothing is known (no engine answers).
     */
    default Map<String, String> placement() {
        return Map.of();
    }

    /** Releases what the types share; called once, when the TaskSync instance closes. */
    @Override
    default void close() {
    }
}
