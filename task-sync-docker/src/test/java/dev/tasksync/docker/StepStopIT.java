package dev.tasksync.docker;

import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepType;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tasksync.testing.Awaits.await;

/**
 * A Docker step waits on the engine's answer and is woken by the engine's stop (an interrupt of its thread), never by
 * polling its cancelled flag: a container, a command in a container and a host shell command each end on the stop
 * before they would have ended by themselves, and the flag is looked at a few times, not ten times a second.
 */
class StepStopIT extends DockerITBase {
    private static final int TASK = 910_000 + (int) (System.nanoTime() % 10_000);

    /** The flag of a stop, counting how often the step looked at it. */
    static final class Flag implements BooleanSupplier {
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicInteger looks = new AtomicInteger();

        @Override
        public boolean getAsBoolean() {
            looks.incrementAndGet();
            return stopped.get();
        }
    }

    /** A step executing on a thread of its own, stopped as the engine stops one: its flag, then an interrupt. */
    static final class Running {
        final Flag flag;
        final List<String> lines;
        final CompletableFuture<StepOutcome> outcome = new CompletableFuture<>();
        private final Thread thread;

        <S> Running(Flag flag, List<String> lines, StepType<S> type, StepContext<S> context) {
            this.flag = flag;
            this.lines = lines;
            thread = new Thread(() -> {
                try {
                    outcome.complete(type.execute(context));
                } catch (Throwable e) {
                    outcome.completeExceptionally(e);
                }
            }, "step-under-test");
            thread.start();
        }

        void stop() {
            flag.stopped.set(true);
            thread.interrupt();
        }

        StepOutcome await() throws Exception {
            return outcome.get(60, TimeUnit.SECONDS);
        }
    }

    private <S> Running start(StepType<S> type, S settings, int step) {
        Flag flag = new Flag();
        TestContext<S> context = new TestContext<>(TASK, step, dir, settings, flag);
        return new Running(flag, context.lines(), type, context);
    }

    /** Waits until the step logged {@code line}: what it runs has started, and the step waits for it. */
    private static void awaitLine(Running run, String line) {
        await("the step logged '" + line + "'", Duration.ofSeconds(30), () -> run.lines.contains(line));
        assertThat(run.lines).contains(line);
    }

    @Test
    void aContainerThatRunsAWhileEndsWithoutTheFlagBeingPolled() throws Exception {
        // Runs about 3 s by itself: a 100 ms poll would look at the flag about 30 times meanwhile.
        Running run = start(new DockerRunStepType(docker), DockerRun.of(image, "sleep", "3"), 1);
        StepOutcome o = run.await();
        assertThat(o.succeeded()).as(String.valueOf(o.error())).isTrue();
        assertThat(run.flag.looks.get()).isLessThanOrEqualTo(10);
    }

    @Test
    void aStoppedContainerEndsOnTheInterruptBeforeItsCommandWouldAndIsRemoved() throws Exception {
        Running run = start(new DockerRunStepType(docker), DockerRun.of(image, "sh", "-c", "echo started; sleep 600"), 2);
        awaitLine(run, "started");
        run.stop();
        StepOutcome o = run.await();
        assertThat(o.succeeded()).isFalse();
        assertThat(o.error()).contains("cancelled");
        assertThat(o.results().path("cancelled").asBoolean()).isTrue();
        assertThat(o.results().has("exit_code")).isFalse(); // it did not end by itself
        assertThat(DockerTestSupport.labelled(docker, ts, TASK, 2)).isEmpty();
        assertThat(run.flag.looks.get()).isLessThanOrEqualTo(10);
    }

    @Test
    void aStoppedCommandInAFreshContainerEndsOnTheInterruptAndItsContainerIsRemoved() throws Exception {
        DockerShell settings = DockerShell.of(DockerShell.Target.image(image), "echo started; sleep 600");
        Running run = start(new DockerShellStepType(docker), settings, 3);
        awaitLine(run, "[command] started");
        run.stop();
        StepOutcome o = run.await();
        assertThat(o.succeeded()).isFalse();
        assertThat(o.error()).contains("cancelled");
        assertThat(o.results().get("commands").get(0).path("cancelled").asBoolean()).isTrue();
        assertThat(o.results().get("commands").get(0).has("exit_code")).isFalse();
        assertThat(DockerTestSupport.labelled(docker, ts, TASK, 3)).isEmpty();
        assertThat(run.flag.looks.get()).isLessThanOrEqualTo(10);
    }

    @Test
    void aStoppedHostShellCommandEndsOnTheInterrupt() throws Exception {
        Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(dir.resolve("ctx/Dockerfile"), "FROM scratch\n");
        DockerBuild settings = DockerBuild.of("tsd-stop-it:1").withContext("ctx").withShell("echo started; sleep 600");
        Running run = start(new DockerBuildStepType(docker), settings, 4);
        awaitLine(run, "started"); // the output bare: only the command has "$ "
        run.stop();
        StepOutcome o = run.await();
        assertThat(o.succeeded()).isFalse();
        assertThat(o.error()).contains("cancelled");
        assertThat(o.results().has("image_id")).isFalse(); // nothing was built: the stop came first
        assertThat(run.flag.looks.get()).isLessThanOrEqualTo(10);
    }
}
