package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.WorkerOptions;
import dev.tasksync.internal.hashing.LocalHost;
import dev.tasksync.internal.types.StepTypeRegistry;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where a worker runs and what it offers, as its claims compare them with the steps: its labels (a step's
 * {@code runs_on}, else its task's default, must all be among them) and its facts (host, Docker engine: every
 * upstream step whose results pin its output somewhere must be pinned to facts this worker has).
 * In-process runs have none and claim their task's steps wherever they are.
 */
record Placement(Set<String> labels, Map<String, String> facts) {
    static final String HOST = "host";
    static final String DOCKER_ENGINE = "docker_engine";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A worker's: the options' labels, this host and the providers' facts. */
    static Placement of(StepTypeRegistry registry, WorkerOptions options) {
        Map<String, String> facts = new TreeMap<>(registry.placement());
        facts.putIfAbsent(HOST, hostName());
        return new Placement(options.labels(), Map.copyOf(facts));
    }

    String labelsJson() {
        ArrayNode a = MAPPER.createArrayNode();
        labels.forEach(a::add);
        return a.toString();
    }

    String factsJson() {
        ObjectNode o = MAPPER.createObjectNode();
        facts.forEach(o::put);
        return o.toString();
    }

    String host() {
        return facts.get(HOST);
    }

    String dockerEngine() {
        return facts.get(DOCKER_ENGINE);
    }

    /**
     * SQL (section {@code neededLabels} of claims.sql, which its claims include too): the labels step {@code c} needs,
     * a JSON array: its own {@code runs_on}, else its task's, else none.
     */
    static String neededLabels(ClaimStatements.Tables tables) {
        return ClaimStatements.SQL.query("neededLabels").fragment(tables.identifiers());
    }

    static String hostName() {
        return LocalHost.name();
    }
}
