package dev.tasksync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasksync.Step;
import dev.tasksync.TaskSync;
import dev.tasksync.testing.TestDatabase;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs CLI commands in-process against the test database, each harness in its own schema. As a test's
 * {@code @RegisterExtension} field it is made for each test and closed after it.
 */
final class CliHarness implements AutoCloseable, AfterEachCallback {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }

        /** Standard output as the one JSON document a {@code --json} command prints. */
        JsonNode json() {
            return CliHarness.json(out);
        }
    }

    /** {@code text} parsed as JSON; text that is not JSON fails the test, naming the text. */
    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    final String schema = TestDatabase.newSchema();
    final Map<String, String> env = new HashMap<>();
    final TaskSync api;
    /** Whether the commands believe standard output is a terminal (colours, live progress). */
    boolean terminal;

    CliHarness() {
        env.put("TASKSYNC_DB_URL", TestDatabase.jdbcUrl());
        env.put("TASKSYNC_DB_USER", String.valueOf(TestDatabase.user()));
        env.put("TASKSYNC_DB_PASSWORD", TestDatabase.password() == null ? "" : TestDatabase.password());
        env.put("TASKSYNC_SCHEMA", schema);
        env.put("TASKSYNC_PROGRESS", "plain");
        // the first command creates the schema; the API view of it is opened lazily after that
        api = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema).build();
    }

    Result run(String... args) {
        return runWithInput("", args);
    }

    /** Runs a command that must succeed (exit 0); a failure shows its whole output. */
    Result ok(String... args) {
        Result r = run(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    /** Runs a command that must be refused as bad input (exit 2); another exit shows the whole output. */
    Result refused(String... args) {
        return refusedWithInput("", args);
    }

    Result refusedWithInput(String stdin, String... args) {
        Result r = runWithInput(stdin, args);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        return r;
    }

    /** Creates task {@code name} with {@code localPath} through the CLI; returns its id. */
    int createTask(String name, Path localPath) {
        ok("task", "create", "--name", name, "--local-path", localPath.toString());
        return api.findTask(name).orElseThrow().id();
    }

    /** Creates a step of task {@code taskId} through the CLI; returns its id. */
    int createStep(int taskId, String title, String settings) {
        ok("step", "create", "--task-id", String.valueOf(taskId), "--title", title, "--settings", settings);
        List<Step> steps = api.steps(taskId);
        return steps.get(steps.size() - 1).id();
    }

    Result runWithInput(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Cli cli = new Cli(env, new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), terminal);
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        api.close();
    }
}
