package dev.tasksync;

import java.time.Instant;

/**
 * One line of an attempt's stored log ({@link TaskSync#logs(int, int)}).
 *
 * @param time   when the step wrote it
 * @param stream which stream of the step's process it came from ({@link Stream#STDOUT} for the lines a step type
 *               logs itself)
 * @param text   the line as logged, without its line end
 */
public record LogLine(Instant time, Stream stream, String text) {

    /** The stream a line came from. */
    public enum Stream {
        STDOUT, STDERR
    }
}
