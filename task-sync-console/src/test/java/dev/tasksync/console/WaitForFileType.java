package dev.tasksync.console;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tasksync.StepSettings;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code {"wait_for_file": "PATH"}}: logs a first line (with an XSS payload), waits until the file exists, logs a
 * last line and completes; so a test sees a running attempt's log before the attempt ends.
 */
final class WaitForFileType implements StepType<String> {
    static final String FIRST_LINE = "waiting for the file ";
    static final String LAST_LINE = "the file is there";

    static StepSettings settings(Path file) {
        return StepSettings.of("wait_for_file", new TextNode(file.toString()));
    }

    @Override
    public String key() {
        return "wait_for_file";
    }

    @Override
    public String parse(JsonSettings value) {
        return value.asString();
    }

    @Override
    public StepOutcome execute(StepContext<String> context) throws InterruptedException {
        context.log().line(FIRST_LINE + ConsoleBrowserIT.XSS);
        Path file = Path.of(context.settings());
        while (!Files.exists(file)) {
            Thread.sleep(50); // the step's own polling (what it waits for is outside), not a test's synchronisation
        }
        context.log().line(LAST_LINE);
        return StepOutcome.success(StepOutcome.newResults());
    }
}
