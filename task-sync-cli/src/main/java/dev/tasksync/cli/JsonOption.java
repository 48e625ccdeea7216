package dev.tasksync.cli;

import picocli.CommandLine.Option;

/** The --json switch of list, show, run and plan. */
final class JsonOption {
    @Option(names = "--json", description = "Print JSON (for scripts) instead of a table.")
    boolean json;
}
