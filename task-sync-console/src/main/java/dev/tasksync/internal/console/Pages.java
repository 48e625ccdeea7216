package dev.tasksync.internal.console;

import dev.tasksync.Plan;
import dev.tasksync.Step;
import dev.tasksync.StepRun;
import dev.tasksync.StepStatus;
import dev.tasksync.Task;
import dev.tasksync.console.ConsoleUser;

import java.util.Arrays;
import java.util.List;

/** The models the jte templates render (every string in them is escaped by jte when written). */
public final class Pages {
    private Pages() {
    }

    public record TaskRow(int id, String name, String status, String counts, String lastRun, String duration) {
    }

    public record TasksPage(Viewer viewer, List<TaskRow> rows, String search, String status, Integer nextBefore,
                            List<String> statuses) {
        public String nextHref() {
            return "/?before=" + nextBefore + "&q=" + Http.encode(search) + "&status=" + Http.encode(status);
        }
    }

    public record StepRow(int id, String title, String type, String status, int attempt, String finishedAt, String duration) {
    }

    public record TaskPage(Viewer viewer, Task task, StepTable steps, Plan plan, String planError, DagView dag) {
        public List<String> statuses() {
            return Arrays.stream(StepStatus.values()).map(StepStatus::dbValue).toList();
        }
    }

    public record StepPage(Viewer viewer, Task task, Step step, String settings, String results, List<StepRun> history,
                           List<StepLogs.AttemptLog> logs) {
    }

    public record UsersPage(Viewer viewer, List<ConsoleUser> users, List<String> roles) {
    }

    public record LoginPage(String error, String csrf, String user) {
    }
}
