package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.StepSettings;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.Step;
import dev.tasksync.Task;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;


import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import dev.tasksync.Dependency;

@Command(name = "step", description = "Create, list, show, edit, delete and reset steps.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  task-sync step create --task-id 1 --title \"Check for source files\" \\",
                "    --settings '{\"file_exists\": [\"main.go\", \"go.mod\"]}'",
                "  task-sync step list --task-id 1",
                "  task-sync step edit 2 --set docker_build.image_tag=my-app:1.1",
                "  task-sync step reset 2"})
final class StepCommands {

    static Table stepTable(List<Step> steps) {
        return stepTable(steps, Colors.OFF);
    }

    static Table stepTable(List<Step> steps, Colors colors) {
        Table table = new Table("ID", "TASK", "TITLE", "TYPE", "STATUS", "DEPENDS ON", "ATTEMPTS", "DURATION");
        for (Step s : steps) {
            table.row(s.id(), s.taskId(), s.title(), s.type(), colors.status(s.status()),
                    s.dependsOn().isEmpty() ? "-" : s.dependsOn().stream().map(String::valueOf).collect(Collectors.joining(",")),
                    s.attempt(), s.finishedAt() == null ? "-" : Json.seconds(s.duration()));
        }
        return table;
    }

    /** Settings given as JSON text, {@code @file}, or {@code -} for standard input. */
    static String readSettings(BaseCommand command, String settings) {
        if ("-".equals(settings)) {
            try {
                return SettingsText.decode(SettingsText.readBounded(command.root().in), "standard input");
            } catch (IOException e) {
                throw new Cli.UsageException("cannot read settings from standard input: " + SettingsText.reason(e));
            }
        }
        if (settings.startsWith("@")) {
            return SettingsText.readFile(settings.substring(1));
        }
        return settings;
    }

    /** The task a step command names: --task-id ID or --task ID|NAME. */
    static final class TaskRef {
        @Option(names = "--task-id", paramLabel = "ID", required = true, description = "Id of the task.")
        Integer taskId;

        @Option(names = "--task", paramLabel = "ID|NAME", required = true, description = "The task's id or name.")
        String task;

        Task resolve(BaseCommand command) {
            return taskId != null ? command.ts().task(taskId) : command.task(task);
        }
    }

    @Command(name = "create", description = "Add a step to a task; the settings' top-level key names its type.",
            mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n",
            footer = {"  task-sync step create --task-id 1 --title \"Check for source files\" \\",
                    "    --settings '{\"file_exists\": [\"main.go\", \"go.mod\"]}'",
                    "  task-sync step create --task-id 1 --title \"Build App Image\" --settings '{",
                    "    \"docker_build\": {\"image_tag\": \"my-app:1.0\", \"files\": [\"Dockerfile\"]}",
                    "  }'",
                    "  task-sync step create --task build --title \"Run\" --settings @run.json",
                    "  cat run.json | task-sync step create --task build --title \"Run\" --settings -",
                    "",
                    "Dependencies go inside the type's object: \"depends_on\": [{\"id\": 2}] (steps of the same task).",
                    "Step types: task-sync step types"})
    static final class Create extends BaseCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        TaskRef taskRef;

        @Option(names = "--title", required = true, paramLabel = "TITLE", description = "What the step does.")
        String title;

        @Option(names = "--settings", required = true, paramLabel = "JSON|@FILE|-",
                description = "The step's settings: JSON text, @file to read a file, or - for standard input.")
        String settings;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            String text = readSettings(this, settings);
            Task t = taskRef.resolve(this);
            Step s = ts().createStep(t.id(), title, text);
            if (json.json) {
                Json.print(out(), Json.step(s));
            } else {
                out().println("Created step " + s.id() + " '" + s.title() + "' (" + s.type() + ") in task "
                        + t.id() + " '" + t.name() + "'.");
            }
            return Cli.OK;
        }
    }

    @Command(name = "list", description = "List steps, of one task or of all.", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync step list", "  task-sync step list --task-id 1 --json"})
    static final class ListSteps extends BaseCommand {
        @Option(names = "--task-id", paramLabel = "ID", description = "Only this task's steps.")
        Integer taskId;

        @Option(names = "--task", paramLabel = "ID|NAME", description = "Only this task's steps (by id or name).")
        String task;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            List<Step> steps;
            if (taskId != null) {
                steps = ts().steps(taskId);
            } else if (task != null) {
                steps = ts().steps(task(task).id());
            } else {
                steps = ts().steps();
            }
            if (json.json) {
                Json.print(out(), steps, Json::step);
            } else if (steps.isEmpty()) {
                out().println("No steps.");
            } else {
                stepTable(steps, colors()).print(out());
            }
            return Cli.OK;
        }
    }

    @Command(name = "show", description = "Show a step with its settings and results.", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync step show 2", "  task-sync step show 2 --json"})
    static final class Show extends BaseCommand {
        @Parameters(paramLabel = "ID", description = "The step's id.")
        int id;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            Step s = ts().step(id);
            Dependencies deps = Dependencies.of(ts(), s.taskId());
            if (json.json) {
                ObjectNode n = Json.step(s);
                deps.json(n.putArray("dependencies"), s.id());
                String waits = ts().waitReasons(s.taskId()).get(s.id());
                if (waits != null) {
                    n.put("waits", waits);
                }
                Json.print(out(), n);
                return Cli.OK;
            }
            out().println("Step " + s.id() + ": " + s.title());
            out().println("  task:       " + s.taskId());
            out().println("  type:       " + s.type());
            out().println("  status:     " + s.status().dbValue());
            List<Dependency> on = deps.of(s.id());
            out().println("  depends on: " + (on.isEmpty() ? "-" : on.stream().map(deps::describe)
                    .collect(Collectors.joining("\n              "))));
            String waits = ts().waitReasons(s.taskId()).get(s.id());
            if (waits != null) {
                out().println("  waits:      " + waits);
            }
            out().println("  attempts:   " + s.attempt());
            out().println("  started:    " + orDash(Json.time(s.startedAt())));
            out().println("  finished:   " + orDash(Json.time(s.finishedAt())));
            if (s.finishedAt() != null) {
                out().println("  duration:   " + Json.seconds(s.duration()));
            }
            out().println("settings:");
            out().println(indent(Json.pretty(s.settings())));
            out().println("results:");
            out().println(indent(s.results() == null ? "(not run yet)" : Json.pretty(s.results())));
            return Cli.OK;
        }

        private static String indent(String text) {
            return text.lines().map(l -> "  " + l).collect(Collectors.joining("\n"));
        }
    }

    @Command(name = "edit", description = "Change a step's settings (whole, or key by key) or its title.",
            mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n",
            footer = {"  task-sync step edit 2 --settings @build.json",
                    "  task-sync step edit 2 --set docker_build.image_tag=my-app:2.0",
                    "  task-sync step edit 3 --set 'docker_run.depends_on=[{\"id\": 2}]'",
                    "  task-sync step edit 1 --set 'file_exists[2]=README.md'",
                    "  task-sync step edit 2 --remove-key docker_build.shell",
                    "  task-sync step edit 2 --title \"Build image\"",
                    "",
                    "VALUE is parsed as JSON when it is valid JSON (42, true, [\"a\"], {\"id\": 1}, \"1.0\"), else taken as a string."})
    static final class Edit extends BaseCommand {
        @Parameters(paramLabel = "ID", description = "The step's id.")
        int id;

        @Option(names = "--settings", paramLabel = "JSON|@FILE|-", description = "Replace the settings (JSON text, @file, or - for stdin).")
        String settings;

        @Option(names = "--set", paramLabel = "json.path=VALUE", description = "Set one value (repeatable).")
        List<String> set = new ArrayList<>();

        @Option(names = "--remove-key", paramLabel = "json.path", description = "Remove one key or array element (repeatable).")
        List<String> remove = new ArrayList<>();

        @Option(names = "--title", paramLabel = "TITLE", description = "New title.")
        String title;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            if (settings == null && set.isEmpty() && remove.isEmpty() && title == null) {
                throw new Cli.UsageException("nothing to change: give --settings, --set, --remove-key or --title");
            }
            Step current = ts().step(id);
            JsonNode document;
            if (settings != null) {
                String text = readSettings(this, settings);
                if (set.isEmpty() && remove.isEmpty()) {
                    return save(current, text); // the core parses (and reports) the text as given
                }
                document = StepSettings.parseJson(text);
            } else {
                document = current.settings();
            }
            if (!set.isEmpty() || !remove.isEmpty()) {
                if (!(document instanceof ObjectNode obj)) {
                    throw new InvalidSettingsException("$", "settings must be a JSON object to edit them key by key");
                }
                set.forEach(a -> JsonEdit.set(obj, a));
                remove.forEach(p -> JsonEdit.remove(obj, p));
            }
            return save(current, document.toString());
        }

        private Integer save(Step current, String text) {
            Step s = ts().updateStep(current.id(), title, text);
            if (json.json) {
                Json.print(out(), Json.step(s));
            } else {
                out().println("Updated step " + s.id() + " '" + s.title() + "' (" + s.type() + ").");
                out().println(Json.pretty(s.settings()));
            }
            return Cli.OK;
        }
    }

    @Command(name = "delete", description = "Delete a step (refused while other steps depend on it).",
            mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  task-sync step delete 4"})
    static final class Delete extends BaseCommand {
        @Parameters(paramLabel = "ID", description = "The step's id.")
        int id;

        @Override
        public Integer call() {
            Step s = ts().step(id);
            ts().deleteStep(id);
            out().println("Deleted step " + s.id() + " '" + s.title() + "'.");
            return Cli.OK;
        }
    }

    @Command(name = "reset", description = "Put a step back to 'new' so the next run executes it (and what depends on it).",
            mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  task-sync step reset 2"})
    static final class Reset extends BaseCommand {
        @Parameters(paramLabel = "ID", description = "The step's id.")
        int id;

        @Override
        public Integer call() {
            Step s = ts().resetStep(id);
            out().println("Reset step " + s.id() + " '" + s.title() + "' to " + s.status().dbValue() + ".");
            return Cli.OK;
        }
    }

    @Command(name = "types", description = {"List the step types this installation knows (the settings' top-level keys) "
            + "and where each came from: built-in (task-sync-core), task-sync-docker, or a plugin jar (--plugins DIR)."},
            mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n",
            footer = {"  task-sync step types", "  task-sync --plugins ./plugins step types --json"})
    static final class Types extends BaseCommand {
        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            Map<String, String> origins = root().plugins().origins();
            if (json.json) {
                var a = Json.MAPPER.createArrayNode();
                ts().stepTypes().forEach(t -> a.addObject().put("type", t).put("from", origins.getOrDefault(t, "registered in code")));
                Json.print(out(), a);
                return Cli.OK;
            }
            Table table = new Table("TYPE", "FROM");
            ts().stepTypes().forEach(t -> table.row(t, origins.getOrDefault(t, "registered in code")));
            table.print(out());
            return Cli.OK;
        }
    }
}
