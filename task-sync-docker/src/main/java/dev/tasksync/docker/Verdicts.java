package dev.tasksync.docker;

/** Judges a criterion's run by the step's verdict. */
final class Verdicts {
    private Verdicts() {
    }

    /**
     * {@code exit_code}: it exited 0. {@code markers}: its output (the kept tail of each stream) holds the pass marker
     * and not the fail marker, whatever the exit code, as the original task-sync judged.
     */
    static boolean passed(DockerRubrics.Verdict verdict, long exitCode, String output) {
        if ("markers".equals(verdict.kind())) {
            boolean failed = verdict.failMarker() != null && output.contains(verdict.failMarker());
            return !failed && output.contains(verdict.passMarker());
        }
        return exitCode == 0;
    }
}
