package dev.tasksync.internal.console;

import dev.tasksync.Dependency;
import dev.tasksync.Step;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's DAG laid out in layers for an SVG picture: a step sits one layer below the deepest step it waits
 * for; within a layer steps are ordered by where their upstream steps are (one barycentre pass).
 */
public record DagView(int width, int height, List<Node> nodes, List<Edge> edges) {
    static final int NODE_WIDTH = 180;
    static final int NODE_HEIGHT = 34;
    static final int GAP_X = 24;
    static final int GAP_Y = 56;
    static final int MARGIN = 12;
    static final int MAX_LABEL = 24;

    public record Node(int id, String title, String label, String status, int x, int y) {
        public int textX() {
            return x + NODE_WIDTH / 2;
        }

        public int textY() {
            return y + NODE_HEIGHT / 2 + 5;
        }

        public int width() {
            return NODE_WIDTH;
        }

        public int height() {
            return NODE_HEIGHT;
        }
    }

    /** An edge from the step waited for (above) to the step that waits (below). */
    public record Edge(int from, int to, int x1, int y1, int x2, int y2, boolean implicit, String label) {
    }

    public static DagView of(List<Step> steps, List<Dependency> dependencies) {
        Map<Integer, List<Integer>> upstream = new HashMap<>();
        steps.forEach(s -> upstream.put(s.id(), new ArrayList<>()));
        for (Dependency d : dependencies) {
            if (upstream.containsKey(d.stepId()) && upstream.containsKey(d.dependsOnId())) {
                upstream.get(d.stepId()).add(d.dependsOnId());
            }
        }
        Map<Integer, Integer> layer = new HashMap<>();
        for (Step s : steps) {
            layerOf(s.id(), upstream, layer);
        }
        int layers = layer.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        List<List<Step>> rows = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            rows.add(new ArrayList<>());
        }
        steps.forEach(s -> rows.get(layer.get(s.id())).add(s));
        Map<Integer, Integer> column = new HashMap<>();
        for (List<Step> row : rows) {
            row.sort(Comparator.comparingDouble((Step s) -> upstream.get(s.id()).stream()
                    .mapToInt(column::get).average().orElse(-1)).thenComparingInt(Step::id));
            for (int i = 0; i < row.size(); i++) {
                column.put(row.get(i).id(), i);
            }
        }
        int widest = rows.stream().mapToInt(List::size).max().orElse(0);
        Map<Integer, Node> nodes = new HashMap<>();
        List<Node> ordered = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            List<Step> row = rows.get(l);
            int offset = (widest - row.size()) * (NODE_WIDTH + GAP_X) / 2; // centre narrow layers
            for (int i = 0; i < row.size(); i++) {
                Step s = row.get(i);
                String label = s.title().length() > MAX_LABEL ? s.title().substring(0, MAX_LABEL - 1) + "…" : s.title();
                Node n = new Node(s.id(), s.title(), label, s.status().dbValue(),
                        MARGIN + offset + i * (NODE_WIDTH + GAP_X), MARGIN + l * (NODE_HEIGHT + GAP_Y));
                nodes.put(s.id(), n);
                ordered.add(n);
            }
        }
        List<Edge> edges = new ArrayList<>();
        for (Dependency d : dependencies) {
            Node to = nodes.get(d.stepId());
            Node from = nodes.get(d.dependsOnId());
            if (to != null && from != null) {
                edges.add(new Edge(from.id(), to.id(), from.x() + NODE_WIDTH / 2, from.y() + NODE_HEIGHT,
                        to.x() + NODE_WIDTH / 2, to.y(), d.implicit(), String.join(", ", d.resources())));
            }
        }
        int width = Math.max(1, widest) * (NODE_WIDTH + GAP_X) - GAP_X + 2 * MARGIN;
        int height = Math.max(1, layers) * (NODE_HEIGHT + GAP_Y) - GAP_Y + 2 * MARGIN;
        return new DagView(width, height, ordered, edges);
    }

    /** Longest path from a source, iteratively (a 10,000-step chain must not overflow the stack). */
    private static int layerOf(int id, Map<Integer, List<Integer>> upstream, Map<Integer, Integer> layer) {
        if (layer.containsKey(id)) {
            return layer.get(id);
        }
        ArrayDeque<Integer> stack = new ArrayDeque<>();
        stack.push(id);
        while (!stack.isEmpty()) {
            int top = stack.peek();
            if (layer.containsKey(top)) {
                stack.pop();
                continue;
            }
            boolean ready = true;
            int deepest = -1;
            for (int up : upstream.get(top)) {
                Integer l = layer.get(up);
                if (l == null) {
                    ready = false;
                    stack.push(up);
                } else {
                    deepest = Math.max(deepest, l);
                }
            }
            if (ready) {
                layer.put(top, deepest + 1);
                stack.pop();
            }
        }
        return layer.get(id);
    }
}
