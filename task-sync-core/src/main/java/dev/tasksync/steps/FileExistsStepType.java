package dev.tasksync.steps;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;

import dev.tasksync.spi.LocalFiles;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;

/** The built-in {@code file_exists} step: succeeds when every listed path exists. */
public final class FileExistsStepType implements StepType<FileExists> {

    @Override
    public String key() {
        return FileExists.TYPE;
    }

    @Override
    public FileExists parse(JsonSettings value) {
        if (value.isObject()) {
            value.onlyFields(List.of("paths", LocalFiles.ALLOW_OUTSIDE));
            return new FileExists(paths(value.field("paths")), value.optionalBoolean(LocalFiles.ALLOW_OUTSIDE).orElse(false));
        }
        return new FileExists(paths(value));
    }

    private static List<String> paths(JsonSettings value) {
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
        return paths;
    }

    @Override
    public List<String> watchedFiles(FileExists settings) {
        return settings.paths();
    }

    @Override
    public boolean allowsOutside(FileExists settings) {
        return settings.allowOutside();
    }

    @Override
    public StepOutcome execute(StepContext<FileExists> context) {
        ObjectNode results = StepOutcome.newResults();
        ArrayNode found = results.putArray("found");
        ArrayNode missing = results.putArray("missing");
        boolean allowOutside = context.settings().allowOutside();
        for (String path : context.settings().paths()) {
            Path p;
            try {
                p = LocalFiles.resolve(context.localPath(), path, allowOutside);
            } catch (LocalFiles.OutsideLocalPathException e) {
                return StepOutcome.failure(e.getMessage(), results);
            }
            // A link is what is hashed; whether its target exists is read only when the target is inside.
            boolean exists = !allowOutside && LocalFiles.linksOutside(context.localPath(), p)
                    ? Files.exists(p, LinkOption.NOFOLLOW_LINKS) : Files.exists(p);
            if (exists) {
                found.add(path);
            } else {
                missing.add(path);
                context.log().line("missing: " + p);
            }
        }
        if (!missing.isEmpty()) {
            return StepOutcome.failure(missing.size() + " of " + context.settings().paths().size()
                    + " files missing: " + String.join(", ", toList(missing)), results);
        }
        return StepOutcome.success(results);
    }

    private static List<String> toList(ArrayNode array) {
        return StreamSupport.stream(array.spliterator(), false)
                .map(n -> n.asText()).toList();
    }
}
