package dev.tasksync.steps;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;

import java.nio.file.Files;
import java.util.List;

/** The built-in {@code file_exists} step: succeeds when every listed path exists. */
public final class FileExistsStepType implements StepType<FileExists> {

    @Override
    public String key() {
        return FileExists.TYPE;
    }

    @Override
    public FileExists parse(JsonSettings value) {
        List<String> paths = value.asStringOrStringList();
        if (paths.isEmpty()) {
            throw value.invalid("needs at least one path");
        }
        if (value.isArray()) {
            for (JsonSettings item : value.asList()) {
                item.asNonBlankString();
            }
        } else {
            value.asNonBlankString();
        }
        return new FileExists(paths);
    }

    @Override
    public List<String> watchedFiles(FileExists settings) {
        return settings.paths();
    }

    @Override
    public StepOutcome execute(StepContext<FileExists> context) {
        ObjectNode results = StepOutcome.newResults();
        ArrayNode found = results.putArray("found");
        ArrayNode missing = results.putArray("missing");
        for (String path : context.settings().paths()) {
            if (Files.exists(context.resolve(path))) {
                found.add(path);
            } else {
                missing.add(path);
                context.log().line("missing: " + context.resolve(path));
            }
        }
        if (!missing.isEmpty()) {
            return StepOutcome.failure(missing.size() + " of " + context.settings().paths().size()
                    + " files missing: " + String.join(", ", toList(missing)), results);
        }
        return StepOutcome.success(results);
    }

    private static List<String> toList(ArrayNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false)
                .map(n -> n.asText()).toList();
    }
}
