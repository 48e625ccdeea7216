package dev.tasksync.cli;

import dev.tasksync.AttemptOutcome;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tasksync.LogLine;
import dev.tasksync.Step;
import dev.tasksync.StepRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Prints the full stored log of an attempt, or follows a running one until it ends. */
@Command(name = "logs", description = {
        "Print the full log of a step's attempt (default: its latest), as stored in the database by whichever "
                + "worker ran it.",
        "With -f, follow a running attempt live until it ends; the exit code is then the attempt's: 0 when it "
                + "completed, the exit code of its failing process when the step reports one (docker_run, "
                + "docker_shell, docker_rubrics, docker_build shell commands; 1-255), else 1."},
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n", footer = {
        "  task-sync logs 3", "  task-sync logs 3 --attempt 1 --stderr", "  task-sync logs 3 -f --since 10m",
        "  task-sync logs 3 --since 2026-01-31T12:00:00Z --timestamps"})
final class LogsCommand extends BaseCommand {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    @Parameters(paramLabel = "STEP_ID", description = "The step's id.")
    int stepId;

    @Option(names = "--attempt", paramLabel = "N", description = "Which attempt (1 is the first; default: the latest).")
    Integer attempt;

    @Option(names = {"-f", "--follow"}, description = "Follow the attempt while it runs; end when it ends, with its exit code.")
    boolean follow;

    @Option(names = "--since", paramLabel = "DURATION|TIMESTAMP",
            description = "Only lines written since then: a duration back from now (90s, 10m, 1h30m, 2d) or an ISO-8601 time.")
    String since;

    @Option(names = "--stderr", description = "Only the lines the step's processes wrote on standard error.")
    boolean stderrOnly;

    @Option(names = {"-t", "--timestamps"}, description = "Start each line with its time and stream.")
    boolean timestamps;

    @Override
    public Integer call() {
        Instant from = since == null ? null : since(since, Instant.now());
        Step step = ts().step(stepId);
        List<StepRun> runs = ts().history(stepId);
        if (runs.isEmpty()) {
            throw new Cli.UsageException("step " + stepId + " has not run yet: it has no log");
        }
        int n = attempt == null ? runs.get(runs.size() - 1).attempt() : attempt;
        if (attempt != null && (n < 1 || runs.stream().noneMatch(r -> r.attempt() == n))) {
            throw new Cli.UsageException("--attempt: step " + stepId + " has no attempt " + n + " (it has 1 to "
                    + runs.get(runs.size() - 1).attempt() + ")");
        }
        PrintWriter out = out();
        try (Stream<LogLine> lines = follow ? ts().followLogs(stepId, n) : ts().logs(stepId, n)) {
            Iterator<LogLine> it = lines.iterator();
            while (it.hasNext()) {
                LogLine l = it.next();
                if ((stderrOnly && l.stream() != LogLine.Stream.STDERR) || (from != null && l.time().isBefore(from))) {
                    continue;
                }
                out.println(timestamps ? l.time() + " " + l.stream().name().toLowerCase(Locale.ROOT) + " " + l.text() : l.text());
                if (follow) {
                    out.flush(); // a follower sees each line as it comes
                }
            }
        }
        out.flush();
        if (!follow) {
            return Cli.OK;
        }
        StepRun run = ts().history(stepId).stream().filter(r -> r.attempt() == n).reduce((a, b) -> b).orElseThrow();
        if (run.is(AttemptOutcome.COMPLETED)) {
            return Cli.OK;
        }
        Step now = ts().step(step.id());
        int code = now.attempt() == n ? lastExitCode(now.results()) : 0;
        return code > 0 && code < 256 ? code : Cli.FAILED;
    }

    /** The last non-zero {@code exit_code} in a step's results (its failing process), or 0. */
    static int lastExitCode(JsonNode results) {
        if (results == null) {
            return 0;
        }
        int found = 0;
        if (results.isObject() && results.path("exit_code").canConvertToInt() && results.path("exit_code").asInt() != 0) {
            found = results.path("exit_code").asInt();
        }
        for (JsonNode child : results) {
            if (child.isContainerNode()) {
                int inner = lastExitCode(child);
                if (inner != 0) {
                    found = inner;
                }
            }
        }
        return found;
    }

    /** A duration back from {@code now} (90s, 10m, 1h30m, PT10M) or an ISO-8601 time; bad input names --since. */
    static Instant since(String text, Instant now) {
        String s = text.trim();
        try {
            if (s.toUpperCase(Locale.ROOT).startsWith("P")) {
                return now.minus(Duration.parse(s));
            }
            if (s.matches("(\\d+(ms|s|m|h|d))+")) {
                Duration total = Duration.ZERO;
                Matcher m = DURATION.matcher(s);
                while (m.find()) {
                    long v = Long.parseLong(m.group(1));
                    total = total.plus(switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(v);
                        case "s" -> Duration.ofSeconds(v);
                        case "m" -> Duration.ofMinutes(v);
                        case "h" -> Duration.ofHours(v);
                        default -> Duration.ofDays(v);
                    });
                }
                return now.minus(total);
            }
            if (s.matches("\\d{4}-.*")) {
                try {
                    return OffsetDateTime.parse(s).toInstant();
                } catch (DateTimeParseException e) {
                    return Instant.parse(s.endsWith("Z") ? s : s + "Z");
                }
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            // reported below
        }
        throw new Cli.UsageException("--since: '" + text + "' is neither a duration (90s, 10m, 1h30m) nor an ISO-8601 time"
                + " (2026-01-31T12:00:00Z)");
    }
}
