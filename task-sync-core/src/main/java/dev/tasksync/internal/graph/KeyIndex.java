package dev.tasksync.internal.graph;

/**
 * Keys to their index: open addressing with linear probing over an int array. A probe compares
 * hash codes (kept in an int array by index) before keys; when every key is an {@link Integer}
 * (step ids), equal hash codes mean equal keys, so the key objects are not read at all.
 */
final class KeyIndex {
    private final Object[] keys;
    /** Each key's hash code, by index. */
    private final int[] hashes;
    /** {@code index + 1} of the key in each slot, 0 when empty. */
    private final int[] table;
    private final int mask;
    private final int shift;
    private boolean integers = true;

    KeyIndex(Object[] keys) {
        this.keys = keys;
        this.hashes = new int[keys.length];
        int size = 4;
        while (size < keys.length * 2L && size < (1 << 30)) {
            size <<= 1;
        }
        this.table = new int[size];
        this.mask = size - 1;
        this.shift = Integer.numberOfLeadingZeros(mask);
    }

    /** The top bits of the hash code times 2^32 / golden ratio, so that ids in a run or a stride spread. */
    private int slot(int hash) {
        return (hash * 0x9E3779B9) >>> shift;
    }

    void add(Object key, int index) {
        integers &= key.getClass() == Integer.class;
        int hash = key.hashCode();
        hashes[index] = hash;
        for (int s = slot(hash); ; s = (s + 1) & mask) {
            int found = table[s];
            if (found == 0) {
                table[s] = index + 1;
                return;
            }
            if (hashes[found - 1] == hash && keys[found - 1].equals(key)) {
                throw new IllegalArgumentException("step " + key + " is listed twice");
            }
        }
    }

    /** The key's index, or -1. */
    int find(Object key) {
        if (key == null) {
            return -1;
        }
        int hash = key.hashCode();
        boolean byHash = integers && key.getClass() == Integer.class;
        for (int s = slot(hash); ; s = (s + 1) & mask) {
            int found = table[s];
            if (found == 0) {
                return -1;
            }
            if (hashes[found - 1] == hash && (byHash || keys[found - 1].equals(key))) {
                return found - 1;
            }
        }
    }
}
