package dev.tasksync.docker;

import com.github.dockerjava.api.command.ExecCreateCmd;
import com.github.dockerjava.api.command.InspectExecResponse;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A command run with {@code sh -c} in a running container ({@code docker_shell}, {@code docker_rubrics} criteria), and its wait. */
final class ContainerExec {
    /** Looks at an exec whose output ended but that the engine still reports running: from 1 ms, doubling, to 1 s. */
    private static final long FIRST_LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long LAST_LOOK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final DockerOps docker;
    private final String containerId;

    ContainerExec(DockerOps docker, String containerId) {
        this.docker = docker;
        this.containerId = containerId;
    }

    /**
     * Runs {@code command} and waits for it, bounded by {@code wait} (the step's stop and the per-command limit).
     *
     * @throws StepStopped when the step was stopped or the limit passed
     */
    ProcessExit run(String command, String workingDir, List<String> env, Output output, StepWait wait) throws StepStopped {
        try {
            return execute(command, workingDir, env, output, wait);
        } catch (DockerStepException e) {
            throw wait.stopOr(e);
        }
    }

    private ProcessExit execute(String command, String workingDir, List<String> env, Output output, StepWait wait)
            throws StepStopped {
        String where = "container " + DockerOps.shortId(containerId);
        String running = "running command '" + command + "' in " + where;
        wait.checkStopped(running);
        String execId = docker.call("creating an exec in " + where, () -> {
            ExecCreateCmd cmd = docker.client().execCreateCmd(containerId).withCmd("sh", "-c", command)
                    .withAttachStdout(true).withAttachStderr(true);
            if (workingDir != null) {
                cmd.withWorkingDir(workingDir);
            }
            if (env != null && !env.isEmpty()) {
                cmd.withEnv(env);
            }
            return cmd.exec().getId();
        });
        OutputFrames frames = new OutputFrames(output);
        try {
            docker.call("running a command in " + where, () -> docker.client().execStartCmd(execId).exec(frames));
            wait.await(frames.ended, running);
        } finally {
            DockerOps.closeQuietly(frames);
        }
        if (frames.failure != null) {
            throw new DockerStepException("reading the output of command '" + command + "' in " + where + " failed: "
                    + Errors.rootMessage(frames.failure) + " (Docker engine at " + docker.host() + ")", frames.failure);
        }
        output.finish();
        // The engine has no wait for an exec: its state says when it ended (at once, unless the process closed
        // its output and went on).
        for (long look = FIRST_LOOK_NANOS; ; look = Math.min(look * 2, LAST_LOOK_NANOS)) {
            InspectExecResponse inspect = docker.call("inspecting an exec in " + where, () -> docker.client().inspectExecCmd(execId).exec());
            if (!Boolean.TRUE.equals(inspect.isRunning())) {
                if (inspect.getExitCodeLong() == null) {
                    throw new DockerStepException("command '" + command + "' in " + where
                            + " reported no exit code (Docker engine at " + docker.host() + ")");
                }
                return new ProcessExit(inspect.getExitCodeLong(), output.stdoutTail(), output.stderrTail(),
                        Duration.ofNanos(System.nanoTime() - wait.startNanos()));
            }
            wait.pause(look, running);
        }
    }
}
