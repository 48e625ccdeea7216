package dev.tasksync.internal.graph;

import java.util.AbstractList;
import java.util.RandomAccess;

/** An unmodifiable view of a range of an adjacency array, as keys. */
final class AdjacencySlice<K> extends AbstractList<K> implements RandomAccess {
    private final Object[] keys;
    private final int[] adj;
    private final int from;
    private final int to;

    AdjacencySlice(Object[] keys, int[] adj, int from, int to) {
        this.keys = keys;
        this.adj = adj;
        this.from = from;
        this.to = to;
    }

    @Override
    @SuppressWarnings("unchecked")
    public K get(int index) {
        if (index < 0 || index >= to - from) {
            throw new IndexOutOfBoundsException(index);
        }
        return (K) keys[adj[from + index]];
    }

    @Override
    public int size() {
        return to - from;
    }
}
