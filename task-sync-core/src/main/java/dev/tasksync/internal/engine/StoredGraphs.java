package dev.tasksync.internal.engine;

import dev.tasksync.NotFoundException;
import dev.tasksync.Task;
import dev.tasksync.internal.graph.StepGraph;
import dev.tasksync.internal.sql.NamedQuery;
import dev.tasksync.internal.sql.Params;
import dev.tasksync.internal.sql.SqlFile;
import dev.tasksync.internal.store.Database;
import dev.tasksync.internal.store.Store;
import org.jooq.DSLContext;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link TaskGraph} of a task a runner claimed a step of and had not seen, read as stored: each
 * step's title and type, its {@code depends_on} ids followed by its implicit dependencies (as the store keeps them for
 * claims, in id order), and the task's name and local path. The planner's load ({@link Planner#load}) reads every
 * column of every step and parses and checks each step's settings by its type, to plan; executing needs none of that
 * (a claim brings the settings of the steps it takes), and on a 2,000-step fan-out that load held a fresh worker's
 * first step up for 200-340 ms (JFR: jOOQ's record mapping and the settings' JSON), and each of 4 workers paid it.
 *
 * <p>The edges are the planner's: explicit ones in the order the settings list them, then the implicit ones the
 * submit stored. A step whose settings name a step not of the task (settings that do not parse, stored by other
 * means) keeps only the dependencies that are steps of the task, as the claims see them.
 */
final class StoredGraphs {
    private static final SqlFile SQL = SqlFile.load(StoredGraphs.class, "graphs.sql");
    private static final NamedQuery TASK_GRAPH = SQL.query("taskGraph");

    private StoredGraphs() {
    }

    static TaskGraph load(DSLContext dsl, ClaimStatements.Tables tables, int taskId) {
        var sql = TASK_GRAPH.render(tables.identifiers(), Set.of()).bind(Params.of().set("task_id", taskId));
        return Database.onConnection(dsl, c -> {
            String name = null;
            String localPath = null;
            boolean found = false;
            Map<Integer, String> titles = new HashMap<>();
            Map<Integer, String> types = new HashMap<>();
            Map<Integer, List<Integer>> deps = new LinkedHashMap<>();
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!found) {
                        found = true;
                        name = rs.getString("name");
                        localPath = rs.getString("local_path");
                    }
                    int id = rs.getInt("id");
                    if (rs.wasNull()) {
                        continue; // a task with no steps
                    }
                    titles.put(id, rs.getString("title"));
                    String type = rs.getString("type");
                    types.put(id, type == null ? "" : type);
                    List<Integer> list = new ArrayList<>(1);
                    String stored = rs.getString("deps");
                    if (stored != null && !stored.isEmpty()) {
                        for (String dep : stored.split(",")) {
                            list.add(id(dep));
                        }
                    }
                    deps.put(id, list);
                }
            }
            if (!found) {
                throw new NotFoundException("task", taskId);
            }
            deps.values().forEach(list -> list.removeIf(d -> !titles.containsKey(d)));
            StepGraph<Integer> graph = StepGraph.of(deps, id -> id + " '" + titles.get(id) + "'");
            Task task = new Task(taskId, name, null, localPath, null, null);
            return new TaskGraph(taskId, name, Planner.localPath(task), graph, titles, types);
        });
    }

    /** A dependency's id as {@link Store#dependsOn} reads it: 0 (no step) when it is not a number. */
    private static int id(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
