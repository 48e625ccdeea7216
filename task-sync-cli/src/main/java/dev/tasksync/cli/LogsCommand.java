package dev.tasksync.cli;

import dev.tasksync.AttemptOutcome;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        "With -f, follow a running attempt live until it ends; started before the step runs, wait for its first "
                + "attempt; a retry is followed too (after a separator line) until the step is finished. The exit code "
                + "is then the last attempt's: 0 when it completed, the exit code of its failing process when the step reports one (docker_run, "
                + "docker_shell, docker_rubrics, docker_build shell commands; 1-255), else 1."},
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n", footer = {
        "  task-sync logs 3", "  task-sync logs 3 --attempt 1 --stderr", "  task-sync logs 3 -f --since 10m",
        "  task-sync logs 3 --since 2026-01-31T12:00:00Z --timestamps", "  task-sync logs 3 --json"})
final class LogsCommand extends BaseCommand {
    /** How often a follower waiting for an attempt looks at the step (as the log reader polls for chunks). */
    private static final long POLL_MILLIS = 200;
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

    @Option(names = "--json", description = "Print one JSON object per line: time, stream, attempt, text.")
    boolean json;

    @Override
    public Integer call() {
        Instant from = since == null ? null : since(since, Instant.now());
        ts().step(stepId);
        List<StepRun> runs = ts().history(stepId);
        int n;
        if (attempt != null) {
            int wanted = attempt;
            if (wanted < 1 || runs.stream().noneMatch(r -> r.attempt() == wanted)) {
                throw new Cli.UsageException("--attempt: step " + stepId + " has no attempt " + wanted
                        + (runs.isEmpty() ? " (it has not run yet)" : " (it has 1 to " + runs.get(runs.size() - 1).attempt() + ")"));
            }
            n = wanted;
        } else if (!runs.isEmpty()) {
            n = runs.get(runs.size() - 1).attempt();
        } else if (follow) {
            err().println("step " + stepId + " has not run yet: waiting for its first attempt");
            err().flush();
            n = nextAttempt(0); // started before the step: waits for its first attempt
            if (n == 0) {
                err().println("step " + stepId + " is " + ts().step(stepId).status() + " without having run: it has no log");
                return Cli.FAILED;
            }
        } else {
            throw new Cli.UsageException("step " + stepId + " has not run yet: it has no log");
        }
        PrintWriter out = out();
        while (true) {
            print(out, n, from);
            // An explicit --attempt follows that attempt only; else a retry (or a new run) is followed too.
            int next = follow && attempt == null ? nextAttempt(n) : 0;
            if (next == 0) {
                break;
            }
            if (!json) {
                out.println("----- attempt " + next + " of step " + stepId + " (attempt " + n + " ended: "
                        + outcome(n) + ") -----");
                out.flush();
            }
            n = next;
        }
        out.flush();
        if (!follow) {
            return Cli.OK;
        }
        if (AttemptOutcome.COMPLETED.dbValue().equals(outcome(n))) {
            return Cli.OK;
        }
        Step now = ts().step(stepId);
        int code = now.attempt() == n ? lastExitCode(now.results()) : 0;
        return code > 0 && code < 256 ? code : Cli.FAILED;
    }

    private void print(PrintWriter out, int n, Instant from) {
        try (Stream<LogLine> lines = follow ? ts().followLogs(stepId, n) : ts().logs(stepId, n)) {
            Iterator<LogLine> it = lines.iterator();
            while (it.hasNext()) {
                LogLine l = it.next();
                if ((stderrOnly && l.stream() != LogLine.Stream.STDERR) || (from != null && l.time().isBefore(from))) {
                    continue;
                }
                out.println(json ? json(l, n) : timestamps
                        ? l.time() + " " + l.stream().name().toLowerCase(Locale.ROOT) + " " + l.text() : l.text());
                if (follow) {
                    out.flush(); // a follower sees each line as it comes
                }
            }
        }
    }

    /** One line of --json: a compact object, so that each line of output is one object. */
    static String json(LogLine l, int attempt) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("time", l.time().toString());
        n.put("stream", l.stream().name().toLowerCase(Locale.ROOT));
        n.put("attempt", attempt);
        n.put("text", l.text());
        return n.toString();
    }

    private String outcome(int attempt) {
        return ts().history(stepId).stream().filter(r -> r.attempt() == attempt).reduce((a, b) -> b)
                .map(StepRun::outcome).orElse("unknown");
    }

    /**
     * Waits for the attempt after {@code n} while the step may still run (new or active: a retry is due, or a run
     * is about to start it); returns it, or 0 once the step finished without another attempt.
     */
    private int nextAttempt(int n) {
        while (true) {
            Step step = ts().step(stepId); // read before the history: an attempt started before it finished shows
            List<StepRun> runs = ts().history(stepId);
            if (!runs.isEmpty() && runs.get(runs.size() - 1).attempt() > n) {
                return runs.stream().mapToInt(StepRun::attempt).filter(a -> a > n).min().orElseThrow();
            }
            if (step.status().isFinished()) {
                return 0;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }
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
