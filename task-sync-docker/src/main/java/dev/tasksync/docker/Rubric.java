package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.spi.JsonSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads criteria: inline JSON, a JSON rubric file, or a Markdown checklist. */
final class Rubric {
    private Rubric() {
    }

    private static final Set<String> FIELDS = Set.of("id", "title", "command", "points", "required");
    /** {@code - [ ] Title (2 points, required): `command`} */
    private static final Pattern ITEM = Pattern.compile("^\\s*[-*+]\\s+\\[[ xX]?\\]\\s+(.+?)\\s*:\\s*`([^`]+)`\\s*$");
    private static final Pattern CHECKBOX = Pattern.compile("^\\s*[-*+]\\s+\\[[ xX]?\\].*");
    private static final Pattern DETAILS = Pattern.compile("^(.*?)\\s*\\(([^()]*)\\)\\s*$");
    private static final Pattern POINTS = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(?:points?|pts?)");

    /** Criteria from a JSON array (or an object with a {@code criteria} array). */
    static List<DockerRubrics.Criterion> fromJson(JsonSettings list) {
        JsonSettings items = list.isObject() ? list.field("criteria") : list;
        List<DockerRubrics.Criterion> criteria = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int n = 0;
        for (JsonSettings item : items.asList()) {
            n++;
            Settings.onlyFields(item, FIELDS);
            String command = item.field("command").asNonBlankString();
            String id = Settings.optionalNonBlank(item, "id").orElse("c" + n);
            if (!ids.add(id)) {
                throw new InvalidSettingsException(item.path() + ".id", "duplicate criterion id '" + id + "'");
            }
            String title = Settings.optionalNonBlank(item, "title").orElse(id);
            double points = item.optionalField("points").map(JsonSettings::asDouble).orElse(1.0);
            if (points < 0) {
                throw new InvalidSettingsException(item.path() + ".points", "must not be negative");
            }
            boolean required = item.optionalBoolean("required").orElse(false);
            criteria.add(new DockerRubrics.Criterion(id, title, command, points, required));
        }
        if (criteria.isEmpty()) {
            throw items.invalid("needs at least one criterion");
        }
        return criteria;
    }

    /** Criteria from a rubric file: {@code .json}, otherwise a Markdown checklist. */
    static List<DockerRubrics.Criterion> fromFile(Path file) throws IOException {
        String text = Files.readString(file);
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            JsonNode json;
            try {
                json = new ObjectMapper().readTree(text);
            } catch (IOException e) {
                throw new InvalidSettingsException(file.toString(), "malformed JSON: " + e.getMessage());
            }
            return fromJson(new JsonSettings(json, file.getFileName() + ":$"));
        }
        return fromMarkdown(text, file.getFileName().toString());
    }

    /**
     * A Markdown checklist: each {@code - [ ] Title (N points, required): `command`} line is a criterion;
     * the parenthesis is optional (1 point, not required). Other lines are ignored.
     */
    static List<DockerRubrics.Criterion> fromMarkdown(String text, String name) {
        List<DockerRubrics.Criterion> criteria = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (!CHECKBOX.matcher(line).matches()) {
                continue;
            }
            Matcher m = ITEM.matcher(line);
            if (!m.matches()) {
                throw new InvalidSettingsException(name + ":" + (i + 1),
                        "expected \"- [ ] Title (2 points, required): `command`\", got: " + line.strip());
            }
            String title = m.group(1).strip();
            double points = 1;
            boolean required = false;
            Matcher d = DETAILS.matcher(title);
            if (d.matches()) {
                String details = d.group(2).toLowerCase(Locale.ROOT);
                Matcher p = POINTS.matcher(details);
                boolean understood = false;
                if (p.find()) {
                    points = Double.parseDouble(p.group(1));
                    understood = true;
                }
                if (details.contains("required")) {
                    required = true;
                    understood = true;
                }
                if (understood) {
                    title = d.group(1).strip();
                }
            }
            String id = slug(title);
            String unique = id;
            for (int k = 2; !ids.add(unique); k++) {
                unique = id + "-" + k;
            }
            criteria.add(new DockerRubrics.Criterion(unique, title, m.group(2).strip(), points, required));
        }
        if (criteria.isEmpty()) {
            throw new InvalidSettingsException(name, "no criteria found; write lines like \"- [ ] Compiles (2 points, required): `make`\"");
        }
        return criteria;
    }

    static String slug(String title) {
        String s = title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        return s.isEmpty() ? "criterion" : s;
    }
}
