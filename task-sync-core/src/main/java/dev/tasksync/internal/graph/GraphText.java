package dev.tasksync.internal.graph;

import java.util.function.BiPredicate;
import java.util.function.Function;

/** A {@link StepGraph} as text, for {@code task-sync graph}: Graphviz DOT or Mermaid. */
final class GraphText {
    private GraphText() {
    }

    /** Steps in topological order, then edges as added; {@code dashed} picks the edges drawn dashed. */
    static <K> String render(StepGraph<K> graph, String format, Function<K, String> label, BiPredicate<K, K> dashed) {
        StringBuilder sb = new StringBuilder();
        boolean mermaid = "mermaid".equalsIgnoreCase(format);
        sb.append(mermaid ? "graph TD\n" : "digraph task {\n");
        for (K v : graph.topologicalOrder()) {
            String l = label.apply(v).replace("\"", "'");
            sb.append(mermaid ? "  s" + v + "[\"" + l + "\"]\n" : "  \"" + v + "\" [label=\"" + l + "\"];\n");
        }
        graph.forEachEdge((s, t) -> {
            boolean d = dashed.test(s, t);
            sb.append(mermaid ? "  s" + s + (d ? " -.-> s" : " --> s") + t + "\n"
                    : "  \"" + s + "\" -> \"" + t + "\"" + (d ? " [style=dashed]" : "") + ";\n");
        });
        if (!mermaid) {
            sb.append("}\n");
        }
        return sb.toString();
    }
}
