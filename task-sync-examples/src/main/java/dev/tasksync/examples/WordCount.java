package dev.tasksync.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.StepSettings;
import dev.tasksync.spi.StepOutcome;

/**
 * Settings of the example's custom {@code word_count} step: count the words of {@code file},
 * failing when there are more than {@code max_words}. Written as {@code {"word_count": {"file": ..., "max_words": ...}}}.
 */
public record WordCount(String file, int maxWords) implements StepSettings {
    public static final String TYPE = "word_count";

    public static WordCount of(String file) {
        return new WordCount(file, Integer.MAX_VALUE);
    }

    public WordCount atMost(int maxWords) {
        return new WordCount(file, maxWords);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JsonNode toJson() {
        var json = StepOutcome.newResults().put("file", file);
        if (maxWords != Integer.MAX_VALUE) {
            json.put("max_words", maxWords);
        }
        return json;
    }
}
