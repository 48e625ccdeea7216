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
                    deps.put(id, ids(rs.getString("deps")));
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

    /**
     * The ids of a stored "ID,ID,…" text (column {@code deps}), in its order; null or empty: none. Read with indexOf
     * and {@link Integer#parseInt(CharSequence, int, int, int)}, not String.split: split's regular-expression path was
     * recompiled by C2 for 130-250 ms inside a 10,000-step run's clock, and each id cost a substring. An id that is not
     * a number (settings stored by other means: {@code {"id": "x"}}, {@code {"id": ""}}) is read as
     * {@link Store#dependsOn} reads it, as 0 (no step), so that step keeps only its dependencies that are steps; the
     * list is mutable (the caller drops those).
     */
    static List<Integer> ids(String stored) {
        List<Integer> list = new ArrayList<>(1);
        if (stored == null || stored.isEmpty()) {
            return list;
        }
        int from = 0;
        while (true) {
            int comma = stored.indexOf(',', from);
            int end = comma < 0 ? stored.length() : comma;
            list.add(id(stored, from, end));
            if (comma < 0) {
                return list;
            }
            from = comma + 1;
        }
    }

    /** The id in {@code text[from, end)}: 0 (no step) when it is not a number. */
    private static int id(String text, int from, int end) {
        try {
            return Integer.parseInt(text, from, end, 10);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
