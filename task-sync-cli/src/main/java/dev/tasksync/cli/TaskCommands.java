package dev.tasksync.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tasksync.Step;
import dev.tasksync.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import dev.tasksync.StepStatus;
import dev.tasksync.TaskStatus;
import java.util.ArrayList;

@Command(name = "task", description = "Create, list, show and delete tasks.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  task-sync task create --name build --local-path /src/app",
                "  task-sync task list",
                "  task-sync task show build --json",
                "  task-sync task delete 1 --yes"})
final class TaskCommands {

    @Command(name = "create", description = "Create a task (names are unique).", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n",
            footer = {"  task-sync task create --name build",
                    "  task-sync task create --name grading --status new --local-path ./submissions"})
    static final class Create extends BaseCommand {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Unique name of the task.")
        String name;

        @Option(names = "--status", paramLabel = "STATUS", description = "Initial status (default: ${DEFAULT-VALUE}).")
        String status = TaskStatus.NEW.dbValue();

        @Option(names = "--local-path", paramLabel = "PATH",
                description = "Directory the task's relative file paths are resolved against; a relative one ('.') is stored "
                        + "absolute, resolved against the current directory (default: none, i.e. where 'run' is invoked).")
        String localPath;

        @Option(names = "--runs-on", paramLabel = "LABEL",
                description = "A label a worker must have to claim this task's steps that name no runs_on of their own "
                        + "(repeat for several; default: none).")
        List<String> runsOn = new ArrayList<>();

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            Task t = ts().createTask(name, status, localPath, runsOn);
            if (json.json) {
                Json.print(out(), Json.task(t));
            } else {
                out().println("Created task " + t.id() + " '" + t.name() + "'.");
            }
            return Cli.OK;
        }
    }

    @Command(name = "list", description = "List tasks with their step counts.", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync task list", "  task-sync task list --json"})
    static final class ListTasks extends BaseCommand {
        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            List<Task> tasks = ts().tasks();
            Map<Integer, List<Step>> steps = ts().steps().stream().collect(Collectors.groupingBy(Step::taskId));
            if (json.json) {
                ArrayNode a = Json.MAPPER.createArrayNode();
                for (Task t : tasks) {
                    var n = Json.task(t);
                    List<Step> s = steps.getOrDefault(t.id(), List.of());
                    n.put("steps", s.size());
                    n.put("steps_completed", s.stream().filter(x -> x.status() == StepStatus.COMPLETED).count());
                    a.add(n);
                }
                Json.print(out(), a);
                return Cli.OK;
            }
            if (tasks.isEmpty()) {
                out().println("No tasks. Create one with: task-sync task create --name NAME");
                return Cli.OK;
            }
            Table table = new Table("ID", "NAME", "STATUS", "STEPS", "LOCAL PATH", "UPDATED");
            for (Task t : tasks) {
                List<Step> s = steps.getOrDefault(t.id(), List.of());
                long done = s.stream().filter(x -> x.status() == StepStatus.COMPLETED).count();
                table.row(t.id(), t.name(), colors().status(t), done + "/" + s.size(), orDash(t.localPath()), Json.time(t.updatedAt()));
            }
            table.print(out());
            return Cli.OK;
        }
    }

    @Command(name = "show", description = "Show a task and its steps.", mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync task show 1", "  task-sync task show build --json"})
    static final class Show extends BaseCommand {
        @Parameters(paramLabel = "ID|NAME", description = "The task's id or name.")
        String task;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            Task t = task(task);
            List<Step> steps = ts().steps(t.id());
            if (json.json) {
                var n = Json.taskWithSteps(t, steps);
                Waits.json(n, ts().waitReasons(t.id()));
                Json.print(out(), n);
                return Cli.OK;
            }
            out().println("Task " + t.id() + ": " + t.name());
            out().println("  status:     " + colors().status(t));
            out().println("  local path: " + orDash(t.localPath()));
            List<String> runsOn = ts().taskRunsOn(t.id());
            if (!runsOn.isEmpty()) {
                out().println("  runs on:    " + String.join(", ", runsOn) + " (steps without their own runs_on)");
            }
            out().println("  created:    " + Json.time(t.createdAt()));
            out().println("  updated:    " + Json.time(t.updatedAt()));
            out().println();
            if (steps.isEmpty()) {
                out().println("No steps. Add one with: task-sync step create --task-id " + t.id() + " --title TITLE --settings JSON");
            } else {
                StepCommands.stepTable(steps, colors()).print(out());
                Waits.print(out(), ts().waitReasons(t.id()));
            }
            return Cli.OK;
        }
    }

    @Command(name = "delete", description = "Delete a task with all its steps (asks first unless --yes).",
            mixinStandardHelpOptions = true,
            footerHeading = "%nExamples:%n", footer = {"  task-sync task delete 1", "  task-sync task delete build --yes"})
    static final class Delete extends BaseCommand {
        @Parameters(paramLabel = "ID|NAME", description = "The task's id or name.")
        String task;

        @Option(names = {"-y", "--yes"}, description = "Delete without asking.")
        boolean yes;

        @Override
        public Integer call() {
            Task t = task(task);
            int count = ts().steps(t.id()).size();
            if (!yes) {
                out().print("Delete task " + t.id() + " '" + t.name() + "' and its " + count + " step"
                        + (count == 1 ? "" : "s") + "? [y/N] ");
                out().flush();
                String answer = readLine();
                if (answer == null) {
                    throw new Cli.UsageException("no answer on standard input; pass --yes to delete without asking");
                }
                if (!answer.trim().equalsIgnoreCase("y") && !answer.trim().equalsIgnoreCase("yes")) {
                    out().println("Not deleted.");
                    return Cli.FAILED;
                }
            }
            ts().deleteTask(t.id());
            out().println("Deleted task " + t.id() + " '" + t.name() + "' and its " + count + " step" + (count == 1 ? "" : "s") + ".");
            return Cli.OK;
        }

        private String readLine() {
            try {
                return new BufferedReader(new InputStreamReader(root().in, StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                return null;
            }
        }
    }
}
