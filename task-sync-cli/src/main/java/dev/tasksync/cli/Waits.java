package dev.tasksync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.Map;

/** Steps that wait for a worker that is not there (a label, a Docker engine), as plan and show print them. */
final class Waits {
    private Waits() {
    }

    static void print(PrintWriter out, Map<Integer, String> reasons) {
        if (reasons.isEmpty()) {
            return;
        }
        out.println("Waiting for workers (workers claim these only where they can run):");
        reasons.forEach((id, why) -> out.println("  step " + id + " " + why));
    }

    /** Adds {@code "waits": {"<step id>": "<why>"}} when some step waits so. */
    static void json(ObjectNode n, Map<Integer, String> reasons) {
        if (reasons.isEmpty()) {
            return;
        }
        ObjectNode waits = n.putObject("waits");
        reasons.forEach((id, why) -> waits.put(String.valueOf(id), why));
    }
}
