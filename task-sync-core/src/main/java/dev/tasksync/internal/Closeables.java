package dev.tasksync.internal;

import java.util.List;

/** Closing what an instance owns, best effort. */
public final class Closeables {
    private Closeables() {
    }

    /** Closes each in order; one's failure must not keep the rest open, so failures are dropped. */
    public static void closeAll(List<? extends AutoCloseable> resources) {
        for (AutoCloseable c : resources) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort: see above
            }
        }
    }
}
