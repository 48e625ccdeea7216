package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.AttemptOutcome;
import dev.tasksync.RunListener;
import dev.tasksync.StepStatus;
import dev.tasksync.internal.store.Store;
import dev.tasksync.internal.logs.AttemptLog;
import dev.tasksync.internal.types.ExecutionPolicy;
import dev.tasksync.internal.types.ParsedSettings;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import dev.tasksync.spi.UpstreamStep;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static dev.tasksync.internal.store.jooq.Tables.STEPS;

/**
 * Executes one claimed step on the calling thread: parses its settings, arms its timeout, builds its
 * context, runs its step type, and turns what it returned and why it was stopped into the outcome to
 * record (which status, which attempt outcome, whether and when to retry). Writes nothing itself.
 */
final class StepExecution {
    private static final Logger LOG = LoggerFactory.getLogger(StepExecution.class);
    private static final Logger STEP_LOG = LoggerFactory.getLogger("dev.tasksync.step");

    /**
     * How an execution ended: the outcome to record, or, when {@code letGo} (this process shut down or lost
     * the lease, and the step did not succeed), nothing to record but the claim to give back.
     */
    record Ended(ClaimStatements.Outcome outcome, Stop stop, boolean letGo, String logTail) {
        boolean completed() {
            return outcome.status() == StepStatus.COMPLETED;
        }

        /**
         * How the attempt ended: as recorded, or, let go, as the release records it ({@code abandoned} when the lease
         * was lost, {@code released} when this process shut down).
         */
        AttemptOutcome attemptOutcome() {
            return outcome.runOutcome();
        }

        /** The step will not be attempted again: it failed for good or was cancelled. */
        boolean gaveUp() {
            return outcome.status() == StepStatus.FAILED || outcome.status() == StepStatus.CANCELLED;
        }
    }

    private final Engine engine;
    private final DSLContext dsl;
    private final RunListener listener;
    private final ScheduledExecutorService timer;
    private final Retries retries;
    /** The runner's concurrency, told to each step as {@code StepContext.slots()}. */
    private final int slots;

    StepExecution(Engine engine, RunListener listener, ScheduledExecutorService timer, Retries retries, int slots) {
        this.slots = slots;
        this.engine = engine;
        this.dsl = engine.dsl();
        this.listener = listener;
        this.timer = timer;
        this.retries = retries;
    }

    /** Executes the step; {@code ended} runs once it returned, before its outcome is made (it hands its slot on). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    Ended execute(Execution execution, TaskGraph graph, Runnable ended) {
        Claim claim = execution.claim;
        int id = claim.stepId();
        String title = graph.titles().get(id);
        listener.stepStarted(id, title);
        LogTail tail = new LogTail();
        // the lines the full log keeps reach the tail from its writer thread: one hand-over per line, not two
        AttemptLog fullLog = engine.logs().open(id, claim.attempt(), tail::add, LogTail.MAX_LINES);
        StepOutcome outcome;
        ParsedSettings parsed = null;
        try {
            parsed = engine.registry().parse(claim.settings());
            if (parsed.policy().timeout() != null) {
                execution.timeoutBy(timer.schedule(() -> execution.stop(Stop.TIMED_OUT),
                        parsed.policy().timeout().toMillis(), TimeUnit.MILLISECONDS));
            }
            ExecutionContext context = new ExecutionContext(graph.taskId(), graph.taskName(), id, title,
                    claim.attempt(), graph.localPath(), parsed.settings(), parsed.value(), claim.lastResults(),
                    () -> retries.write(() -> upstreamOf(graph, id)), // a database blip is not the step's failure
                    raw -> {
                        String line = LogTail.cap(raw); // a line of any length is kept, logged and shown bounded
                        STEP_LOG.info("[{} #{}] {}", title, id, line);
                        listener.stepLog(id, line);
                    },
                    execution::stopped, engine::storeId, engine.ignore(), fullLog, tail, slots);
            if (execution.stopped()) {
                throw new InterruptedException(); // stopped while it waited for a slot: do not start it
            }
            outcome = ((StepType) parsed.stepType()).execute(context);
            if (outcome == null) {
                outcome = StepOutcome.failure("step type " + parsed.type() + " returned no outcome");
            }
        } catch (InterruptedException e) {
            outcome = StepOutcome.failure("interrupted");
        } catch (Throwable e) {
            // Errors too (OutOfMemoryError, StackOverflowError): the attempt fails and its slot is given back;
            // an Error escaping here left the step active, its slot taken and the run waiting for it forever.
            if (e instanceof Error) {
                LOG.warn("step {} '{}' threw {}", id, title, e.toString());
            } else {
                LOG.debug("step {} '{}' threw", id, title, e);
            }
            outcome = StepOutcome.failure(e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        fullLog.close(); // every line is stored before the outcome is, so a follower that sees the end has them all
        execution.beginRecording();
        Thread.interrupted();
        ended.run();
        Stop stop = execution.stop;
        if (stop == Stop.TIMED_OUT) {
            outcome = StepOutcome.failure("timed out after " + seconds(parsed.policy().timeout()), outcome.results());
        } else if (stop == Stop.CANCELLED) {
            outcome = StepOutcome.failure(AttemptOutcome.CANCELLED.dbValue(), outcome.results());
        }
        ObjectNode results = outcome.results().deepCopy();
        // Read in full only for a step that watches files (most inputs have none: a fan-out's no-ops, a chain's builds).
        if (claim.inputs() != null && claim.inputs().path("files").size() > 0) {
            results.set("file_hashes", Inputs.fromJson(claim.inputs()).fileHashes());
        }
        if (!outcome.succeeded()) {
            results.put("error", outcome.error());
        }
        // Interrupted because this worker let go: not the step's failure; the claim is given back.
        boolean letGo = stop != null && stop.letGo() && !outcome.succeeded();
        ExecutionPolicy policy = parsed == null ? ExecutionPolicy.DEFAULT : parsed.policy();
        return new Ended(outcomeOf(claim, outcome.succeeded(), stop, results, outcome.error(), tail.text(), policy,
                execution.startedLateMicros), stop, letGo, tail.text());
    }

    /** Stop reason and retry policy → the step's next status, the attempt's outcome, and when it is retried. */
    static ClaimStatements.Outcome outcomeOf(Claim claim, boolean succeeded, Stop stop, ObjectNode results, String error,
                                             String logTail, ExecutionPolicy policy, long startedLateMicros) {
        boolean retry = !succeeded && stop != Stop.CANCELLED && claim.attempt() <= policy.retries();
        StepStatus status = succeeded ? StepStatus.COMPLETED
                : stop == Stop.CANCELLED ? StepStatus.CANCELLED
                : retry ? StepStatus.NEW : StepStatus.FAILED;
        assert StatusTransitions.isAllowed(StepStatus.ACTIVE, status) : status;
        AttemptOutcome runOutcome = succeeded ? AttemptOutcome.COMPLETED : stop == null ? AttemptOutcome.FAILED : stop.outcome();
        Long retryAfter = null;
        if (retry) {
            Duration backoff = policy.backoffAfter(claim.attempt());
            results.putObject("retrying").put("next_attempt", claim.attempt() + 1)
                    .put("after_seconds", backoff.toMillis() / 1000.0);
            retryAfter = backoff.toMillis();
        }
        return new ClaimStatements.Outcome(claim.stepId(), claim.taskId(), claim.attempt(), status, runOutcome, results, error,
                logTail, retryAfter, !succeeded && !retry, startedLateMicros);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    private List<UpstreamStep> upstreamOf(TaskGraph graph, int id) {
        List<Integer> ids = graph.graph().upstreamOf(id);
        if (ids.isEmpty()) {
            return List.of();
        }
        Set<Integer> direct = new HashSet<>(graph.graph().directUpstreamOf(id));
        Map<Integer, JsonNode> results = new HashMap<>();
        dsl.select(STEPS.ID, STEPS.RESULTS).from(STEPS).where(STEPS.ID.eq(DSL.any(ids.toArray(Integer[]::new))))
                .forEach(r -> results.put(r.value1(), Store.parse(r.value2())));
        List<UpstreamStep> upstream = new ArrayList<>();
        for (int up : ids) {
            upstream.add(new UpstreamStep(up, graph.titles().get(up), graph.types().get(up), results.get(up), direct.contains(up)));
        }
        return upstream;
    }
}
