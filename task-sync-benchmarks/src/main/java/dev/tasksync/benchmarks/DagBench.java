package dev.tasksync.benchmarks;

import dev.tasksync.internal.graph.StepGraph;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import com.sun.management.ThreadMXBean;
import java.util.Random;

/**
 * Item 3: validate (cycle check) and order a random DAG of 100,000 steps with 3 dependencies each,
 * through the engine's {@link StepGraph}, against a plain Kahn's algorithm on int arrays; and the
 * heap the graph keeps per step. {@link StepGraphJmh} measures the same thing under JMH.
 */
record DagBench(Env env, Report report) {
    /** Step i depends on {@code deps} distinct random steps below i; keys inserted in random order. */
    static Map<Integer, List<Integer>> randomDag(int steps, int deps, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Integer> order = new ArrayList<>(steps);
        for (int i = 0; i < steps; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        Map<Integer, List<Integer>> graph = new LinkedHashMap<>(steps * 2);
        for (int i : order) {
            int k = Math.min(deps, i);
            List<Integer> d = new ArrayList<>(k);
            while (d.size() < k) {
                int candidate = random.nextInt(i);
                if (!d.contains(candidate)) {
                    d.add(candidate);
                }
            }
            graph.put(i, d);
        }
        return graph;
    }

    /** What the engine does with a task's dependencies: build and validate the graph, then order it. */
    static List<Integer> validateAndOrder(Map<Integer, List<Integer>> dag) {
        return StepGraph.of(dag, id -> "step " + id).topologicalOrder();
    }

    /** Kahn's algorithm over primitive arrays; a cycle leaves steps unordered. */
    static int[] kahn(Map<Integer, List<Integer>> dag) {
        int n = dag.size();
        int[] indegree = new int[n];
        int[] outCount = new int[n];
        for (var e : dag.entrySet()) {
            indegree[e.getKey()] = e.getValue().size();
            for (int d : e.getValue()) {
                outCount[d]++;
            }
        }
        int[] start = new int[n + 1];
        for (int i = 0; i < n; i++) {
            start[i + 1] = start[i] + outCount[i];
        }
        int[] fill = start.clone();
        int[] out = new int[start[n]];
        for (var e : dag.entrySet()) {
            for (int d : e.getValue()) {
                out[fill[d]++] = e.getKey();
            }
        }
        int[] queue = new int[n];
        int head = 0;
        int tail = 0;
        for (int i = 0; i < n; i++) {
            if (indegree[i] == 0) {
                queue[tail++] = i;
            }
        }
        while (head < tail) {
            int v = queue[head++];
            for (int j = start[v]; j < start[v + 1]; j++) {
                if (--indegree[out[j]] == 0) {
                    queue[tail++] = out[j];
                }
            }
        }
        if (tail != n) {
            throw new IllegalStateException("cycle: " + (n - tail) + " steps unordered");
        }
        return queue;
    }

    void run() {
        Config cfg = env.config;
        int steps = cfg.dagSteps();
        System.out.println("[dag] " + steps + " steps, " + cfg.dagDeps() + " dependencies each ...");
        Map<Integer, List<Integer>> dag = randomDag(steps, cfg.dagDeps(), 42);
        // warm-up
        int warmups = cfg.quick() ? 1 : 2;
        int minIterations = cfg.quick() ? 2 : 3;
        for (int i = 0; i < warmups; i++) {
            validateAndOrder(dag);
            kahn(dag);
        }
        List<Double> graphMs = new ArrayList<>();
        List<Double> kahnMs = new ArrayList<>();
        int check = 0;
        long deadline = System.nanoTime() + cfg.dagBudgetSeconds() * 1_000_000_000L;
        int iterations = 0;
        for (int i = 0; i < cfg.dagIterations() && (i < minIterations || System.nanoTime() < deadline); i++) {
            iterations++;
            long t0 = System.nanoTime();
            List<Integer> order = validateAndOrder(dag);
            long t1 = System.nanoTime();
            int[] k = kahn(dag);
            long t2 = System.nanoTime();
            check += order.size() + k.length;
            graphMs.add((t1 - t0) / 1e6);
            kahnMs.add((t2 - t1) / 1e6);
        }
        if (check != 2 * steps * iterations) {
            throw new IllegalStateException("an order lost steps");
        }
        double g = Stats.median(graphMs);
        double k = Stats.median(kahnMs);

        Memory mem = memory(dag);
        report.add(new Report.Row("3", Report.num("DAG validate + order, %,d steps × %d deps", steps, cfg.dagDeps()),
                Report.ms(g), Report.ms(k) + " (Kahn, int arrays)", Report.ratio(g / k),
                Report.num("%s; %,.0f B/step retained, %,.0f B/step allocated", Report.ms(g), mem.retainedPerStep, mem.allocatedPerStep),
                "< 1 s", g < 1000 ? Report.Verdict.MET : Report.Verdict.MISSED,
                Report.num("median of %d after %d warm-up(s)", iterations, warmups)));
        report.note(Report.num("DAG (3): `StepGraph.of` (key index, adjacency arrays, cycle check; JGraphT only to name a cycle) and `topologicalOrder()`, the calls the engine "
                        + "makes on every run, on a random DAG (seed 42; step i depends on 3 distinct random steps below i; keys in random order). "
                        + "Memory: heap retained by the built graph after a full GC (%,.1f MiB for %,d steps; the input map of boxed ids "
                        + "itself takes %,.0f B/step), and bytes allocated on the thread while validating and ordering once. "
                        + "The same measurement runs under JMH: `java -cp task-sync-benchmarks/target/benchmarks.jar org.openjdk.jmh.Main StepGraphJmh`.",
                mem.retainedPerStep * steps / (1024 * 1024), steps, mem.inputPerStep));
    }

    record Memory(double retainedPerStep, double allocatedPerStep, double inputPerStep) {
    }

    @SuppressWarnings("unused")
    private static volatile Object keep;

    static Memory memory(Map<Integer, List<Integer>> dag) {
        int n = dag.size();
        long empty = usedAfterGc();
        Map<Integer, List<Integer>> copy = randomDag(n, 3, 7);
        keep = copy;
        long withInput = usedAfterGc();
        keep = null;
        copy = null;
        long base = usedAfterGc();
        var threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long alloc0 = threads.getCurrentThreadAllocatedBytes();
        StepGraph<Integer> graph = StepGraph.of(dag, id -> "step " + id);
        List<Integer> order = graph.topologicalOrder();
        long alloc1 = threads.getCurrentThreadAllocatedBytes();
        keep = graph;
        long withGraph = usedAfterGc();
        keep = null;
        if (order.size() != n) {
            throw new IllegalStateException();
        }
        return new Memory((withGraph - base) / (double) n, (alloc1 - alloc0) / (double) n, (withInput - empty) / (double) n);
    }

    static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
