package dev.tasksync.console;

import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;

/** {@code {"echo": "text"}}: writes the text as a log line and completes (untrusted output for the XSS test). */
final class EchoType implements StepType<String> {
    @Override
    public String key() {
        return "echo";
    }

    @Override
    public String parse(JsonSettings value) {
        return value.asString();
    }

    @Override
    public StepOutcome execute(StepContext<String> context) {
        context.log().line(context.settings());
        return StepOutcome.success(StepOutcome.newResults().put("echoed", context.settings()));
    }
}
