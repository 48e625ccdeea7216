package dev.tasksync.docker;

/** Judges a criterion's run by the step's verdict. */
final class Verdicts {
    private Verdicts() {
    }

    /** What to watch a criterion's output for, as it streams: the verdict's markers, or null when it has none. */
    static MarkerScan scan(DockerRubrics.Verdict verdict) {
        return "markers".equals(verdict.kind()) ? new MarkerScan(verdict.passMarker(), verdict.failMarker()) : null;
    }

    /**
     * {@code exit_code}: it exited 0. {@code markers}: its whole output (either stream, scanned as it came by
     * {@code scan}) held the pass marker and not the fail marker, whatever the exit code, as the original task-sync
     * judged.
     */
    static boolean passed(DockerRubrics.Verdict verdict, long exitCode, MarkerScan scan) {
        if ("markers".equals(verdict.kind())) {
            return !scan.found(1) && scan.found(0);
        }
        return exitCode == 0;
    }
}
