package dev.tasksync;

import java.util.Collection;
import java.util.List;

/** The top-level key of a settings document names no registered step type. */
public class UnknownStepTypeException extends InvalidSettingsException {
    private final String key;

    public UnknownStepTypeException(String key, Collection<String> known) {
        super(List.of(new Problem("$." + key, "unknown step type '" + key + "'; known types: "
                + String.join(", ", known.stream().sorted().toList()) + " (" + hint(key, known) + ")")));
        this.key = key;
    }

    /** How to get the type: the Docker module for a docker_* key it would hold, else a jar of one's own. */
    private static String hint(String key, Collection<String> known) {
        if (key.startsWith("docker_") && known.stream().noneMatch(k -> k.startsWith("docker_"))) {
            return "the docker_* types come with task-sync-docker: add that module to the classpath";
        }
        return "a type of your own or a plugin's is found through META-INF/services/dev.tasksync.spi.StepType in a jar "
                + "on the classpath; with the command line, put that jar in a directory named by --plugins DIR or TASKSYNC_PLUGINS";
    }

    public String key() {
        return key;
    }
}
