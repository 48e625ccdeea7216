package dev.tasksync.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.spi.UpstreamStep;

import java.nio.file.Files;
import java.util.List;

/**
 * A custom step type, registered through the SPI: this class is listed in
 * {@code META-INF/services/dev.tasksync.spi.StepType}, so any TaskSync on this classpath knows it.
 */
public final class WordCountStepType implements StepType<WordCount> {

    @Override
    public String key() {
        return WordCount.TYPE;
    }

    @Override
    public WordCount parse(JsonSettings value) {
        value.requireObject();
        String file = value.field("file").asNonBlankString();
        int max = value.optionalInt("max_words").orElse(Integer.MAX_VALUE);
        if (max < 0) {
            throw value.field("max_words").invalid("must not be negative");
        }
        return new WordCount(file, max);
    }

    /** The counted file is watched: the step runs again only when its content changes. */
    @Override
    public List<String> watchedFiles(WordCount settings) {
        return List.of(settings.file());
    }

    @Override
    public StepOutcome execute(StepContext<WordCount> context) throws Exception {
        String text = Files.readString(context.resolve(context.settings().file()));
        int words = text.isBlank() ? 0 : text.trim().split("\\s+").length;
        // Results flow downstream: add the words counted by upstream word_count steps.
        int upstream = context.upstream().stream()
                .filter(UpstreamStep::direct)
                .filter(u -> u.type().equals(WordCount.TYPE))
                .mapToInt(u -> u.results().path("total_words").asInt())
                .sum();
        ObjectNode results = StepOutcome.newResults()
                .put("words", words)
                .put("lines", text.lines().count())
                .put("total_words", words + upstream);
        context.log().line(context.settings().file() + ": " + words + " words");
        if (words > context.settings().maxWords()) {
            return StepOutcome.failure(context.settings().file() + " has " + words + " words, more than "
                    + context.settings().maxWords(), results);
        }
        return StepOutcome.success(results);
    }
}
