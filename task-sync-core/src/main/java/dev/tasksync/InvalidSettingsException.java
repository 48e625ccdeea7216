package dev.tasksync;

import java.util.List;

/**
 * A step's settings are malformed, of an unknown type, or miss or mistype a field.
 * Each problem names the JSON path of the offending field (for example {@code $.docker_build.image_tag}).
 */
public class InvalidSettingsException extends TaskSyncException {
    private final List<Problem> problems;

    /** One thing wrong with a settings document. */
    public record Problem(String path, String message) {
        @Override
        public String toString() {
            return path + ": " + message;
        }
    }

    public InvalidSettingsException(String path, String message) {
        this(List.of(new Problem(path, message)));
    }

    public InvalidSettingsException(List<Problem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }

    /** The path of the first problem, for example {@code $.file_exists}. */
    public String path() {
        return problems.get(0).path();
    }

    private static String render(List<Problem> problems) {
        if (problems.size() == 1) {
            return "invalid settings: " + problems.get(0);
        }
        StringBuilder sb = new StringBuilder("invalid settings (" + problems.size() + " problems):");
        problems.forEach(p -> sb.append("\n  - ").append(p));
        return sb.toString();
    }
}
