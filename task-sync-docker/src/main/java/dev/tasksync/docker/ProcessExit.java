package dev.tasksync.docker;

import java.time.Duration;

/** How a process in a container ended: its exit code and output tails. */
record ProcessExit(long exitCode, String stdout, String stderr, Duration duration) {
}
