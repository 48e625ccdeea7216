package dev.tasksync.internal.engine;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The inputs each large step was last submitted with, by step: the next plan of such a step (watch mode, say)
 * explains its change from them instead of reading back the megabyte of a step watching 10,000 files.
 *
 * <p>One entry per step, since only the newest submit's inputs can match what its row stores; bounded by the
 * files held in total (not by entries: one entry may hold 10,000 files), the least recently used step going
 * first. Only inputs of at least {@code minFiles} files are kept: below it, reading them back costs little.
 */
final class RecentInputs {
    /** Inputs this large are kept. */
    static final int MIN_FILES = 1_000;
    /** About 20 MB of paths and hashes: ten steps of 10,000 files each. */
    static final int MAX_FILES = 100_000;

    private record Entry(String fingerprint, Inputs inputs) {
    }

    private final int minFiles;
    private final int maxFiles;
    private final Map<Integer, Entry> byStep = new LinkedHashMap<>(16, 0.75f, true);
    private long files;

    RecentInputs(int minFiles, int maxFiles) {
        this.minFiles = minFiles;
        this.maxFiles = maxFiles;
    }

    RecentInputs() {
        this(MIN_FILES, MAX_FILES);
    }

    /** The inputs kept for {@code stepId}, when they are the ones of {@code fingerprint}; else null. */
    synchronized Inputs get(int stepId, String fingerprint) {
        Entry e = byStep.get(stepId);
        return e != null && e.fingerprint().equals(fingerprint) ? e.inputs() : null;
    }

    /**
     * {@code stepId} was submitted with {@code inputs}: they replace what was kept for it (its older inputs can no
     * longer match), or, too small or larger than the whole bound, leave nothing kept for it.
     */
    synchronized void put(int stepId, String fingerprint, Inputs inputs) {
        Entry old = byStep.remove(stepId);
        if (old != null) {
            files -= old.inputs().files().size();
        }
        int size = inputs.files().size();
        if (size < minFiles || size > maxFiles) {
            return;
        }
        byStep.put(stepId, new Entry(fingerprint, inputs));
        files += size;
        for (Iterator<Entry> eldest = byStep.values().iterator(); files > maxFiles; ) {
            files -= eldest.next().inputs().files().size();
            eldest.remove();
        }
    }

    /** How many files the kept inputs hold together. */
    synchronized long files() {
        return files;
    }

    /** The steps whose inputs are kept, with the fingerprint of those, the least recently used first. */
    synchronized Map<Integer, String> fingerprints() {
        Map<Integer, String> out = new LinkedHashMap<>();
        byStep.forEach((step, e) -> out.put(step, e.fingerprint()));
        return out;
    }
}
