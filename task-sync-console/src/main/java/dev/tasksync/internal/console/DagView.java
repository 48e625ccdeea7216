package dev.tasksync.internal.console;

import dev.tasksync.Dependency;
import dev.tasksync.Step;
import dev.tasksync.StepProgress;
import dev.tasksync.StepStatus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's DAG laid out in layers for an SVG picture: a step sits one layer below the deepest step it waits
 * for; within a layer steps are ordered by where their upstream steps are (one barycentre pass). Layering and
 * ordering take O(V+E) plus a sort per layer.
 *
 * <p>Beyond {@link #FULL_LIMIT} steps a picture of every node is too big to read or to render quickly (10,000
 * nodes of a 100-wide layered task make an SVG 20,000 px wide and a page of megabytes), so {@link #collapsed} draws
 * the same layers as at most {@link #MAX_BANDS} bars, one per band of consecutive layers, each split by status;
 * the page links to the full picture.
 */
public record DagView(int width, int height, List<Node> nodes, List<Edge> edges, List<Band> bands, Map<Integer, Integer> bandOf) {
    /** The most steps drawn one node each on the task page; above this the page shows {@link #collapsed}. */
    public static final int FULL_LIMIT = 500;
    static final int MAX_BANDS = 40;
    static final int BAND_HEIGHT = 30;
    static final int BAR_X = 200;
    static final int BAR_WIDTH = 600;
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

    /**
     * One bar of the collapsed picture: the steps of layers {@code firstLayer..lastLayer} (1-based), by status.
     * {@code ids} names its steps as ranges ("1-20,41-60"): the step table shows one page of a big task, so
     * console.js recounts a bar from these ids and the live events rather than from the rows it shows.
     */
    public record Band(int index, int firstLayer, int lastLayer, int steps, int y, List<Segment> segments, String ids) {
        public String label() {
            return (firstLayer == lastLayer ? "layer " + firstLayer : "layers " + firstLayer + "–" + lastLayer)
                    + " · " + steps + (steps == 1 ? " step" : " steps");
        }

        public String counts() {
            StringBuilder sb = new StringBuilder();
            for (Segment s : segments) {
                if (s.count() > 0) {
                    sb.append(sb.length() == 0 ? "" : ", ").append(s.count()).append(' ').append(s.status());
                }
            }
            return sb.toString();
        }

        public int textY() {
            return y + BAND_HEIGHT / 2 + 4;
        }

        public int barY() {
            return y + 5;
        }

        public int barHeight() {
            return BAND_HEIGHT - 10;
        }

        public int countsX() {
            return BAR_X + BAR_WIDTH + 12;
        }
    }

    /** The part of a band's bar that stands for its steps of one status (zero wide when there are none). */
    public record Segment(String status, int count, int x, int width) {
    }

    public boolean isCollapsed() {
        return !bands.isEmpty();
    }

    /** The band a step is drawn in, or -1 when every step is drawn as a node. */
    public int band(int stepId) {
        return bandOf.getOrDefault(stepId, -1);
    }

    /** The layers of the DAG as at most {@link #MAX_BANDS} bars of consecutive layers, each split by status. */
    public static DagView collapsed(Collection<StepProgress> steps, List<Dependency> dependencies) {
        List<Integer> ids = steps.stream().map(StepProgress::id).toList();
        Map<Integer, Integer> layer = layers(ids, upstream(ids, dependencies));
        int layers = layer.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        int perBand = Math.max(1, (layers + MAX_BANDS - 1) / MAX_BANDS);
        int bandCount = (layers + perBand - 1) / perBand;
        int[][] counts = new int[bandCount][StepStatus.values().length];
        Map<Integer, Integer> bandOf = new HashMap<>();
        List<List<Integer>> members = new ArrayList<>();
        for (int b = 0; b < bandCount; b++) {
            members.add(new ArrayList<>());
        }
        for (StepProgress s : steps) {
            int b = layer.get(s.id()) / perBand;
            bandOf.put(s.id(), b);
            members.get(b).add(s.id());
            counts[b][s.status().ordinal()]++;
        }
        List<Band> bands = new ArrayList<>();
        for (int b = 0; b < bandCount; b++) {
            int total = Arrays.stream(counts[b]).sum();
            bands.add(new Band(b, b * perBand + 1, Math.min(layers, (b + 1) * perBand), total,
                    MARGIN + b * BAND_HEIGHT, segments(counts[b], total), ranges(members.get(b))));
        }
        return new DagView(BAR_X + BAR_WIDTH + 320, 2 * MARGIN + bandCount * BAND_HEIGHT, List.of(), List.of(), bands, bandOf);
    }

    /** Splits the bar in status order; console.js recomputes the same widths as statuses change. */
    private static List<Segment> segments(int[] counts, int total) {
        List<Segment> segments = new ArrayList<>();
        int x = BAR_X;
        int done = 0;
        for (StepStatus st : StepStatus.values()) {
            done += counts[st.ordinal()];
            int end = BAR_X + (total == 0 ? 0 : (int) Math.round((double) done * BAR_WIDTH / total));
            segments.add(new Segment(st.dbValue(), counts[st.ordinal()], x, end - x));
            x = end;
        }
        return segments;
    }

    /** Ids as ranges of consecutive ones, "1-20,41,43-60" (a task's steps are mostly saved layer by layer). */
    static String ranges(List<Integer> ids) {
        int[] sorted = ids.stream().mapToInt(Integer::intValue).sorted().toArray();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sorted.length; i++) {
            int first = sorted[i];
            while (i + 1 < sorted.length && sorted[i + 1] == sorted[i] + 1) {
                i++;
            }
            sb.append(sb.length() == 0 ? "" : ",").append(first);
            if (sorted[i] != first) {
                sb.append('-').append(sorted[i]);
            }
        }
        return sb.toString();
    }

    private static Map<Integer, List<Integer>> upstream(List<Integer> ids, List<Dependency> dependencies) {
        Map<Integer, List<Integer>> upstream = new HashMap<>();
        ids.forEach(id -> upstream.put(id, new ArrayList<>()));
        for (Dependency d : dependencies) {
            if (upstream.containsKey(d.stepId()) && upstream.containsKey(d.dependsOnId())) {
                upstream.get(d.stepId()).add(d.dependsOnId());
            }
        }
        return upstream;
    }

    private static Map<Integer, Integer> layers(List<Integer> ids, Map<Integer, List<Integer>> upstream) {
        Map<Integer, Integer> layer = new HashMap<>();
        for (int id : ids) {
            layerOf(id, upstream, layer);
        }
        return layer;
    }

    /** Every step as a node. */
    public static DagView of(List<Step> steps, List<Dependency> dependencies) {
        List<Integer> ids = steps.stream().map(Step::id).toList();
        Map<Integer, List<Integer>> upstream = upstream(ids, dependencies);
        Map<Integer, Integer> layer = layers(ids, upstream);
        int layers = layer.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        List<List<Step>> rows = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            rows.add(new ArrayList<>());
        }
        steps.forEach(s -> rows.get(layer.get(s.id())).add(s));
        Map<Integer, Integer> column = new HashMap<>();
        for (List<Step> row : rows) {
            // the barycentre once per step, not once per comparison
            Map<Integer, Double> key = new HashMap<>();
            for (Step s : row) {
                key.put(s.id(), upstream.get(s.id()).stream().mapToInt(column::get).average().orElse(-1));
            }
            row.sort(Comparator.comparingDouble((Step s) -> key.get(s.id())).thenComparingInt(Step::id));
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
        return new DagView(width, height, ordered, edges, List.of(), Map.of());
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
