package dev.tasksync.docker;

import dev.tasksync.spi.StepType;
import dev.tasksync.spi.StepTypeProvider;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What ServiceLoader finds: the five Docker step types on one connection to the engine the DOCKER_* environment
 * names, owned here. Each TaskSync instance gets its own provider and closes it, and with it the connection,
 * when it closes. Nothing connects until a Docker step runs.
 */
public final class DockerStepTypeProvider implements StepTypeProvider {
    private final DockerConnection connection;
    private final List<StepType<?>> types;

    /** The engine of the DOCKER_* environment, under the policy of {@link DockerPolicy#fromEnvironment()}. */
    public DockerStepTypeProvider() {
        this(DockerConnection::fromEnvironment);
    }

    DockerStepTypeProvider(Supplier<DockerConnection> connection) {
        this.connection = connection.get();
        this.types = List.of(DockerStepTypes.all(this.connection));
    }

    @Override
    public List<StepType<?>> stepTypes() {
        return types;
    }

    /**
     * {@code {"docker_engine": ID}} of the engine the types use, so that a worker claims the steps that use an image or
     * container an upstream step left there only when it is on that engine; empty when no engine answers.
     */
    @Override
    public Map<String, String> placement() {
        try {
            return Map.of(DockerOps.ENGINE_FACT, connection.engineId());
        } catch (RuntimeException noEngine) {
            return Map.of();
        }
    }

    /** The connection the types share. */
    DockerConnection connection() {
        return connection;
    }

    @Override
    public void close() {
        connection.close();
    }
}
