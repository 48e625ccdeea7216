package dev.tasksync.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.security.NoSuchAlgorithmException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input through the real CLI against the real database: every case must exit 2 with a message
 * naming the field (the fragment it lists), print nothing on stdout, and leave every table of the
 * schema byte-identical (SHA-256 of each table's rows). One schema for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputBatteryIT {
    private static final AtomicInteger TRIED = new AtomicInteger();
    private static final AtomicInteger REFUSED = new AtomicInteger();
    private static final AtomicInteger UNCHANGED = new AtomicInteger();

    /** Signs of internals leaking into a message: SQL, exception class names, stack frames, Jackson's source and feature names. */
    private static final List<String> NOISE = List.of("SQL", "Exception", "\tat ", "REDACTED", "Source:", "Feature", "jackson");

    private CliHarness cli;
    private final Map<String, String> ids = new LinkedHashMap<>();
    private String hash;

    /** One bad invocation: {placeholders} in args are replaced by ids of the fixture. */
    record Case(String name, String fragment, List<String> args) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Valid settings of each type with an object value, field by field as raw JSON. */
    private static final Map<String, Map<String, String>> BASES = new LinkedHashMap<>();

    static {
        BASES.put("docker_build", fields("image_tag", "\"app:1\"", "files", "[\"Dockerfile\"]"));
        BASES.put("docker_run", fields("image_tag", "\"app:1\"", "command", "[\"true\"]"));
        BASES.put("docker_shell", fields("docker", "{\"image_tag\": \"app:1\"}", "command", "[{\"command\": \"ls\"}]"));
        BASES.put("docker_rubrics", fields("image_tag", "\"app:1\"", "criteria", "[{\"id\": \"c1\", \"command\": \"true\"}]"));
        BASES.put("docker_pull", fields("image_tag", "\"busybox:1\""));
    }

    private static Map<String, String> fields(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The type's valid settings with {@code field} set to the raw JSON {@code raw} (or removed when raw is null). */
    private static String with(String type, String field, String raw) {
        Map<String, String> m = new LinkedHashMap<>(BASES.get(type));
        if (raw == null) {
            m.remove(field);
        } else {
            m.put(field, raw);
        }
        StringBuilder sb = new StringBuilder("{\"" + type + "\": {");
        m.forEach((k, v) -> sb.append(sb.charAt(sb.length() - 1) == '{' ? "" : ", ").append('"').append(k).append("\": ").append(v));
        return sb.append("}}").toString();
    }

    private static Case create(String name, String fragment, String settings) {
        return new Case(name, fragment, List.of("step", "create", "--task-id", "{task}", "--title", "New step", "--settings", settings));
    }

    private static Case cmd(String name, String fragment, String... args) {
        return new Case(name, fragment, List.of(args));
    }

    @BeforeAll
    void open() throws IOException {
        cli = new CliHarness();
        Path dir = Files.createTempDirectory("battery");
        ok("task", "create", "--name", "existing", "--local-path", dir.toString());
        ok("task", "create", "--name", "other");
        ids.put("task", String.valueOf(cli.api.findTask("existing").orElseThrow().id()));
        ids.put("othertask", String.valueOf(cli.api.findTask("other").orElseThrow().id()));
        step("files", "Check files", "{\"file_exists\": [\"Dockerfile\"]}");
        BASES.forEach((type, base) -> step(type, "Step " + type, with(type, "x", null)));
        step("dependent", "Dependent", "{\"docker_pull\": {\"image_tag\": \"busybox:1\", \"depends_on\": [{\"id\": " + ids.get("files") + "}]}}");
        ok("step", "create", "--task-id", ids.get("othertask"), "--title", "Elsewhere", "--settings", "{\"file_exists\": \"x\"}");
        ids.put("elsewhere", String.valueOf(cli.api.steps(Integer.parseInt(ids.get("othertask"))).get(0).id()));
        Path badUtf8 = dir.resolve("bad-utf8.json");
        Files.write(badUtf8, new byte[] {'{', '"', 'a', (byte) 0xC3, (byte) 0x28, '"', '}'});
        ids.put("badutf8", badUtf8.toString());
        Path trailing = dir.resolve("trailing.json");
        Files.writeString(trailing, "{\"file_exists\": \"a\"}\n{\"file_exists\": \"b\"}\n");
        ids.put("trailingfile", trailing.toString());
        ids.put("dir", dir.toString());
        Path unreadable = dir.resolve("unreadable.json");
        Files.writeString(unreadable, "{\"file_exists\": \"a\"}");
        unreadable.toFile().setReadable(false);
        ids.put("unreadable", unreadable.toString());
        hash = storeHash();
    }

    private void step(String key, String title, String settings) {
        ok("step", "create", "--task-id", ids.get("task"), "--title", title, "--settings", settings);
        ids.put(key, String.valueOf(cli.api.steps(Integer.parseInt(ids.get("task"))).stream()
                .filter(s -> s.title().equals(title)).findFirst().orElseThrow().id()));
    }

    private void ok(String... args) {
        CliHarness.Result r = cli.run(args);
        assertThat(r.code()).as(r.toString()).isZero();
    }

    @AfterAll
    void close() {
        System.out.printf("BadInputBatteryIT: tried %d, refused cleanly %d, store unchanged %d%n",
                TRIED.get(), REFUSED.get(), UNCHANGED.get());
        cli.close();
    }

    @ParameterizedTest(name = "{index} {0}")
    @MethodSource("cases")
    void refused(Case c) {
        List<String> args = c.args().stream().map(this::fill).toList();
        TRIED.incrementAndGet();
        CliHarness.Result r = cli.run(args.toArray(String[]::new));
        String after = storeHash();
        String fragment = fill(c.fragment());
        boolean clean = r.code() == 2 && r.err().contains(fragment) && r.out().isEmpty()
                && NOISE.stream().noneMatch(r.err()::contains);
        if (clean) {
            REFUSED.incrementAndGet();
        }
        if (after.equals(hash)) {
            UNCHANGED.incrementAndGet();
        }
        String before = hash;
        hash = after; // one case's change must not fail the ones after it
        assertThat(after).as("store unchanged by " + c + "\n" + r).isEqualTo(before);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).contains(fragment);
        NOISE.forEach(n -> assertThat(r.err()).as("no internals in the message\n" + r).doesNotContain(n));
        assertThat(r.out()).as("nothing on stdout\n" + r).isEmpty();
    }

    private String fill(String s) {
        for (var e : ids.entrySet()) {
            s = s.replace("{" + e.getKey() + "}", e.getValue());
        }
        return s;
    }

    /** SHA-256 over every table of the schema, each read whole in primary-key order. */
    private String storeHash() {
        try (Connection c = cli.api.dataSource().getConnection(); Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                    + cli.schema + "' AND table_type = 'BASE TABLE' ORDER BY 1")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            assertThat(tables).contains("tasks", "steps", "step_dependencies", "step_runs", "file_index");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String table : tables) {
                sha.update(("\0table " + table + "\n").getBytes(StandardCharsets.UTF_8));
                try (ResultSet rs = st.executeQuery("SELECT * FROM " + cli.schema + "." + table + " ORDER BY 1")) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= n; i++) {
                            String v = rs.getString(i);
                            sha.update((v == null ? "\1NULL" : v).getBytes(StandardCharsets.UTF_8));
                            sha.update((byte) 0);
                        }
                        sha.update((byte) '\n');
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (SQLException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Stream<Case> cases() {
        List<Case> all = new ArrayList<>();
        documents(all);
        coreFields(all);
        fileExists(all);
        dockerBuild(all);
        dockerRun(all);
        dockerShell(all);
        dockerRubrics(all);
        dockerPull(all);
        tasks(all);
        steps(all);
        edits(all);
        files(all);
        ids(all);
        return all.stream();
    }

    // ---- the document as a whole

    private static void documents(List<Case> all) {
        all.add(create("trailing data", "after the end of the JSON", "{\"file_exists\": \"a\"} trailing"));
        all.add(create("trailing second document", "after the end of the JSON", "{\"file_exists\": \"a\"} {\"file_exists\": \"b\"}"));
        all.add(create("trailing brace", "after the end of the JSON", "{\"file_exists\": \"a\"}}"));
        all.add(create("duplicate top-level key", "duplicate key 'file_exists'", "{\"file_exists\": \"a\", \"file_exists\": \"b\"}"));
        all.add(create("duplicate nested key", "duplicate key 'image_tag'",
                "{\"docker_run\": {\"image_tag\": \"a:1\", \"image_tag\": \"b:1\"}}"));
        all.add(create("duplicate key in depends_on", "duplicate key 'id'",
                "{\"docker_run\": {\"image_tag\": \"a:1\", \"depends_on\": [{\"id\": {files}, \"id\": {files}}]}}"));
        all.add(create("two types", "exactly one top-level key", "{\"file_exists\": \"a\", \"docker_pull\": {\"image_tag\": \"a\"}}"));
        all.add(create("no type", "exactly one top-level key", "{}"));
        all.add(create("array document", "expected an object", "[\"file_exists\"]"));
        all.add(create("string document", "expected an object", "\"file_exists\""));
        all.add(create("number document", "expected an object", "42"));
        all.add(create("null document", "expected an object", "null"));
        all.add(create("empty settings", "settings are empty", ""));
        all.add(create("blank settings", "settings are empty", "   "));
        all.add(create("unclosed object", "malformed JSON at line 1", "{\"file_exists\": ["));
        all.add(create("single quotes", "malformed JSON", "{'file_exists': 'a'}"));
        all.add(create("NaN literal", "malformed JSON", "{\"docker_run\": {\"image_tag\": \"a\", \"timeout_seconds\": NaN}}"));
        all.add(create("comment", "malformed JSON", "{\"file_exists\": \"a\" /* c */}"));
        all.add(create("unquoted key", "malformed JSON", "{file_exists: \"a\"}"));
        all.add(create("invalid escape", "malformed JSON", "{\"file_exists\": \"a\\x\"}"));
        all.add(create("raw newline in string", "malformed JSON", "{\"file_exists\": \"a\nb\"}"));
        all.add(create("unknown type", "unknown step type 'docker_teleport'", "{\"docker_teleport\": {}}"));
        all.add(create("unknown type, case", "unknown step type 'File_Exists'", "{\"File_Exists\": \"a\"}"));
        all.add(create("NUL escape in value", "$.file_exists", "{\"file_exists\": \"a\\u0000b\"}"));
        all.add(create("NUL escape in key", "NUL", "{\"docker_run\": {\"image_tag\": \"a\", \"env\": {\"A\\u0000\": \"1\"}}}"));
        all.add(create("NUL in type key", "NUL", "{\"file_exists\\u0000\": \"a\"}"));
        all.add(create("lone high surrogate escape", "$.file_exists", "{\"file_exists\": \"\\ud800\"}"));
        all.add(create("lone low surrogate escape", "$.file_exists", "{\"file_exists\": \"\\udc00x\"}"));
        all.add(create("reversed surrogates", "$.file_exists[0]", "{\"file_exists\": [\"\\udc00\\ud800\"]}"));
        all.add(create("lone surrogate character", "$.file_exists", "{\"file_exists\": \"a\ud800\"}"));
        all.add(create("lone surrogate in key", "surrogate", "{\"docker_run\": {\"image_tag\": \"a\", \"env\": {\"\\ud800\": \"1\"}}}"));
        all.add(create("too deep", "nested more than", "{\"docker_run\": {\"image_tag\": \"a\", \"env\": " + "[".repeat(100) + "]".repeat(100) + "}}"));
        all.add(create("key too long", "a key is 2000 characters", "{\"docker_run\": {\"image_tag\": \"a\", \"env\": {\"" + "K".repeat(2000) + "\": \"v\"}}}"));
        all.add(create("value too long", "$.docker_run.command[0]", "{\"docker_run\": {\"image_tag\": \"a\", \"command\": [\"" + "x".repeat(100_001) + "\"]}}"));
        all.add(create("name beyond Jackson's limit", "Name length", "{\"docker_run\": {\"" + "k".repeat(60_000) + "\": 1}}"));
        all.add(create("number too long", "malformed JSON", "{\"docker_run\": {\"image_tag\": \"a\", \"retries\": " + "9".repeat(1200) + "}}"));
    }

    // ---- retries, retry_backoff_seconds, timeout_seconds and depends_on of every object type

    private static void coreFields(List<Case> all) {
        for (String type : BASES.keySet()) {
            String p = "$." + type + ".";
            all.add(create(type + " retries negative", p + "retries", with(type, "retries", "-1")));
            all.add(create(type + " retries string", p + "retries", with(type, "retries", "\"3\"")));
            all.add(create(type + " retries fraction", p + "retries", with(type, "retries", "1.5")));
            all.add(create(type + " retries beyond int", p + "retries", with(type, "retries", "10000000000")));
            all.add(create(type + " retries too many", p + "retries", with(type, "retries", "100000")));
            all.add(create(type + " retries null", p + "retries", with(type, "retries", "null")));
            all.add(create(type + " retries bool", p + "retries", with(type, "retries", "true")));
            all.add(create(type + " timeout zero", p + "timeout_seconds", with(type, "timeout_seconds", "0")));
            all.add(create(type + " timeout negative", p + "timeout_seconds", with(type, "timeout_seconds", "-5")));
            all.add(create(type + " timeout string", p + "timeout_seconds", with(type, "timeout_seconds", "\"10\"")));
            all.add(create(type + " timeout 1e400", p + "timeout_seconds", with(type, "timeout_seconds", "1e400")));
            all.add(create(type + " timeout -1e400", p + "timeout_seconds", with(type, "timeout_seconds", "-1e400")));
            all.add(create(type + " timeout null", p + "timeout_seconds", with(type, "timeout_seconds", "null")));
            all.add(create(type + " timeout too long", p + "timeout_seconds", with(type, "timeout_seconds", "1e12")));
            all.add(create(type + " backoff negative", p + "retry_backoff_seconds", with(type, "retry_backoff_seconds", "-1")));
            all.add(create(type + " backoff string", p + "retry_backoff_seconds", with(type, "retry_backoff_seconds", "\"1s\"")));
            all.add(create(type + " backoff 1e400", p + "retry_backoff_seconds", with(type, "retry_backoff_seconds", "1e400")));
            all.add(create(type + " backoff too long", p + "retry_backoff_seconds", with(type, "retry_backoff_seconds", "9999999")));
            all.add(create(type + " depends_on string", p + "depends_on", with(type, "depends_on", "\"{files}\"")));
            all.add(create(type + " depends_on ids", p + "depends_on[0]", with(type, "depends_on", "[{files}]")));
            all.add(create(type + " depends_on object", p + "depends_on", with(type, "depends_on", "{\"id\": {files}}")));
            all.add(create(type + " depends_on null", p + "depends_on", with(type, "depends_on", "null")));
            all.add(create(type + " depends_on id string", p + "depends_on[0].id", with(type, "depends_on", "[{\"id\": \"{files}\"}]")));
            all.add(create(type + " depends_on id zero", p + "depends_on[0].id", with(type, "depends_on", "[{\"id\": 0}]")));
            all.add(create(type + " depends_on id negative", p + "depends_on[0].id", with(type, "depends_on", "[{\"id\": -3}]")));
            all.add(create(type + " depends_on id fraction", p + "depends_on[0].id", with(type, "depends_on", "[{\"id\": 1.5}]")));
            all.add(create(type + " depends_on id huge", p + "depends_on[0].id", with(type, "depends_on", "[{\"id\": 99999999999}]")));
            all.add(create(type + " depends_on unknown key", p + "depends_on[0].title",
                    with(type, "depends_on", "[{\"id\": {files}, \"title\": \"x\"}]")));
            all.add(create(type + " depends_on no id", p + "depends_on[0].id", with(type, "depends_on", "[{}]")));
            all.add(create(type + " depends_on twice", p + "depends_on[1].id",
                    with(type, "depends_on", "[{\"id\": {files}}, {\"id\": {files}}]")));
            all.add(create(type + " depends_on missing step", "99999", with(type, "depends_on", "[{\"id\": 99999}]")));
            all.add(create(type + " depends_on other task", "another task", with(type, "depends_on", "[{\"id\": {elsewhere}}]")));
            all.add(create(type + " unknown field lists core fields", "timeout_seconds", with(type, "timeout", "5")));
            all.add(create(type + " unknown field named", p + "imageTag", with(type, "imageTag", "\"a\"")));
            all.add(create(type + " not an object", "$." + type, "{\"" + type + "\": \"app:1\"}"));
            all.add(create(type + " array value", "$." + type, "{\"" + type + "\": [\"app:1\"]}"));
        }
    }

    // ---- each type's own fields

    private static void fileExists(List<Case> all) {
        String p = "$.file_exists";
        all.add(create("file_exists number", p, "{\"file_exists\": 42}"));
        all.add(create("file_exists empty list", p, "{\"file_exists\": []}"));
        all.add(create("file_exists empty path", p, "{\"file_exists\": \"\"}"));
        all.add(create("file_exists blank path", p, "{\"file_exists\": \"  \"}"));
        all.add(create("file_exists empty path in list", p + "[1]", "{\"file_exists\": [\"a\", \"\"]}"));
        all.add(create("file_exists number in list", p + "[1]", "{\"file_exists\": [\"a\", 7]}"));
        all.add(create("file_exists null in list", p + "[0]", "{\"file_exists\": [null]}"));
        all.add(create("file_exists nested list", p + "[0]", "{\"file_exists\": [[\"a\"]]}"));
        all.add(create("file_exists object", p, "{\"file_exists\": {\"path\": \"a\"}}"));
        all.add(create("file_exists boolean", p, "{\"file_exists\": true}"));
        all.add(create("file_exists null", p, "{\"file_exists\": null}"));
        all.add(create("file_exists 60000-char path", p + ": the path is 60000 characters", "{\"file_exists\": \"" + "a".repeat(60_000) + "\"}"));
        all.add(create("file_exists 5000-char path in list", p + "[1]: the path is 5000", "{\"file_exists\": [\"a\", \"" + "b/".repeat(2_500) + "\"]}"));
        all.add(create("file_exists with depends_on", p, "{\"file_exists\": {\"depends_on\": [{\"id\": {files}}]}}"));
    }

    private static void imageTags(List<Case> all, String type, String field, String fragment) {
        for (String bad : List.of("UPPER:1", "a b", "x;touch /tmp/pwned", "-rm", "a:b:c", "a@@b", "a:", ":1", "a//b", "a/",
                "app:" + "t".repeat(129), "n".repeat(300), "app:-x", "app:t@", "$(id)", "app\\u0000:1", "\\u00e9t\\u00e9:1",
                "localhost:port/app", "app:1 ")) {
            String raw = "\"" + bad + "\"";
            String json = field.contains(".") ? with(type, field.substring(0, field.indexOf('.')), "{\"" + field.substring(field.indexOf('.') + 1) + "\": " + raw + "}")
                    : with(type, field, raw);
            all.add(create(type + " " + field + " '" + (bad.length() > 20 ? bad.substring(0, 20) + "..." : bad) + "'", fragment, json));
        }
    }

    private static void dockerBuild(List<Case> all) {
        String t = "docker_build";
        String p = "$." + t + ".";
        imageTags(all, t, "image_tag", p + "image_tag");
        all.add(create(t + " image_tag digest", p + "image_tag", with(t, "image_tag", "\"app@sha256:" + "a".repeat(64) + "\"")));
        all.add(create(t + " image_tag missing", p + "image_tag", with(t, "image_tag", null)));
        all.add(create(t + " image_tag empty", p + "image_tag", with(t, "image_tag", "\"\"")));
        all.add(create(t + " image_tag number", p + "image_tag", with(t, "image_tag", "42")));
        all.add(create(t + " image_tag list", p + "image_tag", with(t, "image_tag", "[\"app:1\"]")));
        all.add(create(t + " tags bad", p + "tags[1]", with(t, "tags", "[\"app:2\", \"BAD\"]")));
        all.add(create(t + " tags string", p + "tags", with(t, "tags", "\"app:2\"")));
        all.add(create(t + " files string", p + "files", with(t, "files", "\"Dockerfile\"")));
        all.add(create(t + " files empty entry", p + "files[0]", with(t, "files", "[\"\"]")));
        all.add(create(t + " files number", p + "files[0]", with(t, "files", "[1]")));
        all.add(create(t + " files long path", p + "files[0]", with(t, "files", "[\"" + "d".repeat(5000) + "\"]")));
        all.add(create(t + " shell empty entry", p + "shell[0]", with(t, "shell", "[\"\"]")));
        all.add(create(t + " shell object", p + "shell", with(t, "shell", "{\"cmd\": \"make\"}")));
        all.add(create(t + " context empty", p + "context", with(t, "context", "\"\"")));
        all.add(create(t + " dockerfile number", p + "dockerfile", with(t, "dockerfile", "5")));
        all.add(create(t + " build_args number value", p + "build_args.A", with(t, "build_args", "{\"A\": 1}")));
        all.add(create(t + " build_args list", p + "build_args", with(t, "build_args", "[\"A=1\"]")));
        all.add(create(t + " no_cache string", p + "no_cache", with(t, "no_cache", "\"yes\"")));
        // acr16: push / registry
        all.add(create(t + " push string", p + "push", with(t, "push", "\"yes\"")));
        all.add(create(t + " push without a registry", p + "push: image_tag 'app:1' names no registry", with(t, "push", "true")));
        all.add(create(t + " registry with scheme", p + "registry: 'http://localhost:5000' has a scheme", with(t, "registry", "\"http://localhost:5000\"")));
        all.add(create(t + " registry with path", p + "registry", with(t, "registry", "\"localhost:5000/team\"")));
        all.add(create(t + " registry port too big", p + "registry: port 70000", with(t, "registry", "\"localhost:70000\"")));
        all.add(create(t + " registry empty", p + "registry", with(t, "registry", "\"\"")));
        all.add(create(t + " registry number", p + "registry", with(t, "registry", "5000")));
        all.add(create(t + " registry but push false", p + "registry: is set, but push is false",
                "{\"docker_build\": {\"image_tag\": \"app:1\", \"registry\": \"localhost:5000\", \"push\": false}}"));
    }

    private static void dockerRun(List<Case> all) {
        String t = "docker_run";
        String p = "$." + t + ".";
        imageTags(all, t, "image_tag", p + "image_tag");
        all.add(create(t + " image_id xyz", p + "image_id", "{\"docker_run\": {\"image_id\": \"xyz\"}}"));
        all.add(create(t + " image_id short", p + "image_id", "{\"docker_run\": {\"image_id\": \"sha256:abc\"}}"));
        all.add(create(t + " image_id uppercase", p + "image_id", "{\"docker_run\": {\"image_id\": \"" + "A".repeat(64) + "\"}}"));
        all.add(create(t + " image_tag and image_id", "not both", with(t, "image_id", "\"sha256:" + "a".repeat(64) + "\"")));
        all.add(create(t + " command empty string", p + "command", with(t, "command", "\"\"")));
        all.add(create(t + " command empty list", p + "command", with(t, "command", "[]")));
        all.add(create(t + " command number entry", p + "command[0]", with(t, "command", "[1]")));
        all.add(create(t + " command number", p + "command", with(t, "command", "5")));
        all.add(create(t + " command null", p + "command", with(t, "command", "null")));
        all.add(create(t + " env number value", p + "env.A", with(t, "env", "{\"A\": 1}")));
        all.add(create(t + " env entry without =", p + "env[0]", with(t, "env", "[\"NOEQ\"]")));
        all.add(create(t + " env number", p + "env", with(t, "env", "5")));
        all.add(create(t + " working_dir empty", p + "working_dir", with(t, "working_dir", "\"\"")));
        all.add(create(t + " mounts string", p + "mounts", with(t, "mounts", "\"/a:/b\"")));
        all.add(create(t + " mounts no target", p + "mounts[0]", with(t, "mounts", "[\"/a\"]")));
        all.add(create(t + " mounts relative target", p + "mounts[0]", with(t, "mounts", "[\"/a:b\"]")));
        all.add(create(t + " mounts bad mode", p + "mounts[0]", with(t, "mounts", "[\"/a:/b:rx\"]")));
        all.add(create(t + " mounts object without target", p + "mounts[0].target", with(t, "mounts", "[{\"source\": \"/a\"}]")));
        all.add(create(t + " mounts unknown field", p + "mounts[0].mode",
                with(t, "mounts", "[{\"source\": \"/a\", \"target\": \"/b\", \"mode\": \"ro\"}]")));
        all.add(create(t + " mounts read_only string", p + "mounts[0].read_only",
                with(t, "mounts", "[{\"source\": \"/a\", \"target\": \"/b\", \"read_only\": \"no\"}]")));
        all.add(create(t + " container_name with space", p + "container_name", with(t, "container_name", "\"bad name\"")));
        all.add(create(t + " container_name leading dash", p + "container_name", with(t, "container_name", "\"-x\"")));
        all.add(create(t + " detach string", p + "detach", with(t, "detach", "\"yes\"")));
        all.add(create(t + " ok_exit_codes strings", p + "ok_exit_codes[0]", with(t, "ok_exit_codes", "[\"0\"]")));
        all.add(create(t + " ok_exit_codes number", p + "ok_exit_codes", with(t, "ok_exit_codes", "0")));
        all.add(create(t + " ok_exit_codes fraction", p + "ok_exit_codes[0]", with(t, "ok_exit_codes", "[1.5]")));
    }

    private static void dockerShell(List<Case> all) {
        String t = "docker_shell";
        String p = "$." + t + ".";
        imageTags(all, t, "docker.image_tag", p + "docker.image_tag");
        all.add(create(t + " docker.image_id xyz", p + "docker.image_id", with(t, "docker", "{\"image_id\": \"xyz\"}")));
        all.add(create(t + " docker.container_id bad", p + "docker.container_id", with(t, "docker", "{\"container_id\": \"not-hex\"}")));
        all.add(create(t + " docker.container_name bad", p + "docker.container_name", with(t, "docker", "{\"container_name\": \"a b\"}")));
        all.add(create(t + " docker empty", p + "docker", with(t, "docker", "{}")));
        all.add(create(t + " docker two targets", p + "docker", with(t, "docker", "{\"image_tag\": \"a\", \"container_name\": \"b\"}")));
        all.add(create(t + " docker unknown field", p + "docker.image", with(t, "docker", "{\"image\": \"a\"}")));
        all.add(create(t + " docker string", p + "docker", with(t, "docker", "\"app:1\"")));
        all.add(create(t + " command missing", p + "command", with(t, "command", null)));
        all.add(create(t + " command empty list", p + "command", with(t, "command", "[]")));
        all.add(create(t + " command number entry", p + "command[0]", with(t, "command", "[1]")));
        all.add(create(t + " command two keys", p + "command[0]", with(t, "command", "[{\"a\": \"ls\", \"b\": \"ls\"}]")));
        all.add(create(t + " command empty text", p + "command[0].command", with(t, "command", "[{\"command\": \"\"}]")));
        all.add(create(t + " command_timeout zero", p + "command_timeout_seconds", with(t, "command_timeout_seconds", "0")));
        all.add(create(t + " command_timeout fraction", p + "command_timeout_seconds", with(t, "command_timeout_seconds", "1.5")));
        all.add(create(t + " command_timeout string", p + "command_timeout_seconds", with(t, "command_timeout_seconds", "\"5\"")));
        all.add(create(t + " working_dir empty", p + "working_dir", with(t, "working_dir", "\"\"")));
        all.add(create(t + " env number value", p + "env.A", with(t, "env", "{\"A\": 2}")));
    }

    private static void dockerRubrics(List<Case> all) {
        String t = "docker_rubrics";
        String p = "$." + t + ".";
        imageTags(all, t, "image_tag", p + "image_tag");
        all.add(create(t + " image_id xyz", p + "image_id", "{\"docker_rubrics\": {\"image_id\": \"xyz\", \"criteria\": [{\"command\": \"true\"}]}}"));
        all.add(create(t + " image_tag and image_id", "not both", with(t, "image_id", "\"sha256:" + "b".repeat(64) + "\"")));
        all.add(create(t + " files empty entry", p + "files[0]", with(t, "files", "[\"\"]")));
        all.add(create(t + " workspace relative", p + "workspace", with(t, "workspace", "\"work\"")));
        all.add(create(t + " criteria and rubric", "not both", with(t, "rubric", "\"rubric.json\"")));
        all.add(create(t + " criteria string", p + "criteria", with(t, "criteria", "\"true\"")));
        all.add(create(t + " criteria empty", p + "criteria", with(t, "criteria", "[]")));
        all.add(create(t + " criterion without command", p + "criteria[0].command", with(t, "criteria", "[{\"id\": \"c1\"}]")));
        all.add(create(t + " criterion duplicate id", p + "criteria[1].id",
                with(t, "criteria", "[{\"id\": \"c\", \"command\": \"a\"}, {\"id\": \"c\", \"command\": \"b\"}]")));
        all.add(create(t + " criterion negative points", p + "criteria[0].points", with(t, "criteria", "[{\"command\": \"a\", \"points\": -1}]")));
        all.add(create(t + " criterion points 1e400", p + "criteria[0].points", with(t, "criteria", "[{\"command\": \"a\", \"points\": 1e400}]")));
        all.add(create(t + " criterion unknown field", p + "criteria[0].weight", with(t, "criteria", "[{\"command\": \"a\", \"weight\": 1}]")));
        all.add(create(t + " criterion_timeout zero", p + "criterion_timeout_seconds", with(t, "criterion_timeout_seconds", "0")));
        all.add(create(t + " rubric empty", p + "rubric", "{\"docker_rubrics\": {\"image_tag\": \"a\", \"rubric\": \"\"}}"));
    }

    private static void dockerPull(List<Case> all) {
        String t = "docker_pull";
        String p = "$." + t + ".";
        imageTags(all, t, "image_tag", p + "image_tag");
        all.add(create(t + " image_tag missing", p + "image_tag", "{\"docker_pull\": {}}"));
        all.add(create(t + " image_id xyz", p + "image_id", with(t, "image_id", "\"xyz\"")));
        all.add(create(t + " image_id short sha", p + "image_id", with(t, "image_id", "\"sha256:123\"")));
        all.add(create(t + " image_id digest of bad name", p + "image_id", with(t, "image_id", "\"BAD@sha256:" + "c".repeat(64) + "\"")));
        all.add(create(t + " image_id number", p + "image_id", with(t, "image_id", "12")));
        all.add(create(t + " prevent_run_before words", p + "prevent_run_before", with(t, "prevent_run_before", "\"yesterday\"")));
        all.add(create(t + " prevent_run_before number", p + "prevent_run_before", with(t, "prevent_run_before", "5")));
        all.add(create(t + " pull_interval words", p + "pull_interval", with(t, "pull_interval", "\"6h\"")));
        all.add(create(t + " pull_interval negative", p + "pull_interval", with(t, "pull_interval", "\"-PT1H\"")));
        all.add(create(t + " unknown field", p + "interval", with(t, "interval", "\"PT1H\"")));
    }

    // ---- tasks, steps, edits, files, ids

    private static void tasks(List<Case> all) {
        all.add(cmd("task name empty", "task name", "task", "create", "--name", ""));
        all.add(cmd("task name blank", "task name", "task", "create", "--name", "   "));
        all.add(cmd("task name 256 chars", "task name is 256 characters", "task", "create", "--name", "n".repeat(256)));
        all.add(cmd("task name 3000 chars", "task name is 3000 characters", "task", "create", "--name", "n".repeat(3000)));
        all.add(cmd("task name multibyte 2000 chars", "task name is 2000", "task", "create", "--name", "\u00e9".repeat(2000)));
        all.add(cmd("task name NUL", "task name contains a NUL", "task", "create", "--name", "a\u0000b"));
        all.add(cmd("task name lone surrogate", "task name contains an unpaired", "task", "create", "--name", "a\ud800"));
        all.add(cmd("task name digits", "task name '123' is all digits", "task", "create", "--name", "123"));
        all.add(cmd("task name padded", "task name ' x ' starts or ends with white space", "task", "create", "--name", " x "));
        all.add(cmd("task name newline", "task name 'a\\u000ab' contains a control character", "task", "create", "--name", "a\nb"));
        all.add(cmd("task name tab", "contains a control character", "task", "create", "--name", "a\tb"));
        all.add(create("docker_run image_tag too long", "$.docker_run.image_tag: the image reference is 5000",
                with("docker_run", "image_tag", "\"" + "a".repeat(5000) + "\"")));
        all.add(cmd("task name taken", "'existing' already exists", "task", "create", "--name", "existing"));
        all.add(cmd("task status bogus", "task status 'bogus'", "task", "create", "--name", "t1", "--status", "bogus"));
        all.add(cmd("task status empty", "task status ''", "task", "create", "--name", "t1", "--status", ""));
        all.add(cmd("task status upper", "task status 'NEW'", "task", "create", "--name", "t1", "--status", "NEW"));
        all.add(cmd("task status NUL", "task status", "task", "create", "--name", "t1", "--status", "new\u0000"));
        all.add(cmd("task local path NUL", "local path contains a NUL", "task", "create", "--name", "t1", "--local-path", "/tmp/a\u0000"));
        all.add(cmd("task local path too long", "local path is 5000", "task", "create", "--name", "t1", "--local-path", "/" + "p".repeat(4999)));
        all.add(cmd("task local path surrogate", "local path contains an unpaired", "task", "create", "--name", "t1", "--local-path", "/tmp/\udc00"));
        all.add(cmd("task create unknown option", "--colour", "task", "create", "--name", "t1", "--colour"));
        all.add(cmd("task create no name", "--name", "task", "create"));
    }

    private static void steps(List<Case> all) {
        String s = "{\"file_exists\": \"a\"}";
        all.add(cmd("step title empty", "step title", "step", "create", "--task-id", "{task}", "--title", "", "--settings", s));
        all.add(cmd("step title blank", "step title", "step", "create", "--task-id", "{task}", "--title", " \t ", "--settings", s));
        all.add(cmd("step title too long", "step title is 501", "step", "create", "--task-id", "{task}", "--title", "t".repeat(501), "--settings", s));
        all.add(cmd("step title NUL", "step title contains a NUL", "step", "create", "--task-id", "{task}", "--title", "a\u0000", "--settings", s));
        all.add(cmd("step title surrogate", "step title contains an unpaired", "step", "create", "--task-id", "{task}", "--title", "\ud800", "--settings", s));
        all.add(cmd("step title taken", "step title 'Check files' is taken", "step", "create", "--task-id", "{task}", "--title", "Check files", "--settings", s));
        all.add(cmd("step title taken by name", "is taken", "step", "create", "--task", "existing", "--title", "Step docker_run", "--settings", s));
        all.add(cmd("step create no settings", "--settings", "step", "create", "--task-id", "{task}", "--title", "X"));
        all.add(cmd("step create no title", "--title", "step", "create", "--task-id", "{task}", "--settings", s));
        all.add(cmd("step create both task options", "--task", "step", "create", "--task-id", "{task}", "--task", "existing", "--title", "X", "--settings", s));
        all.add(cmd("step create unknown task", "no task named 'ghost'", "step", "create", "--task", "ghost", "--title", "X", "--settings", s));
        all.add(cmd("step create task id huge", "--task-id", "step", "create", "--task-id", "99999999999", "--title", "X", "--settings", s));
        all.add(cmd("step create task huge by --task", "'99999999999' is not a valid task id", "step", "create", "--task", "99999999999", "--title", "X", "--settings", s));
        all.add(cmd("step create task id letters", "--task-id", "step", "create", "--task-id", "abc", "--title", "X", "--settings", s));
        all.add(cmd("step create missing task id", "no task with id 424242", "step", "create", "--task-id", "424242", "--title", "X", "--settings", s));
    }

    private static void edits(List<Case> all) {
        all.add(cmd("edit title empty", "step title", "step", "edit", "{files}", "--title", ""));
        all.add(cmd("edit title blank", "step title", "step", "edit", "{files}", "--title", "  "));
        all.add(cmd("edit title taken", "step title 'Step docker_run' is taken", "step", "edit", "{files}", "--title", "Step docker_run"));
        all.add(cmd("edit title NUL", "step title contains a NUL", "step", "edit", "{files}", "--title", "x\u0000"));
        all.add(cmd("edit title too long", "step title is 600", "step", "edit", "{files}", "--title", "t".repeat(600)));
        all.add(cmd("edit nothing", "nothing to change", "step", "edit", "{files}"));
        all.add(cmd("set empty value", "--set docker_run.command=: the value is empty", "step", "edit", "{docker_run}", "--set", "docker_run.command="));
        all.add(cmd("set null", "$.docker_run.command: null", "step", "edit", "{docker_run}", "--set", "docker_run.command=null"));
        all.add(cmd("set timeout null", "$.docker_run.timeout_seconds", "step", "edit", "{docker_run}", "--set", "docker_run.timeout_seconds=null"));
        all.add(cmd("set timeout 1e400", "$.docker_run.timeout_seconds", "step", "edit", "{docker_run}", "--set", "docker_run.timeout_seconds=1e400"));
        all.add(cmd("set timeout words", "$.docker_run.timeout_seconds", "step", "edit", "{docker_run}", "--set", "docker_run.timeout_seconds=ten"));
        all.add(cmd("set retries negative", "$.docker_run.retries", "step", "edit", "{docker_run}", "--set", "docker_run.retries=-1"));
        all.add(cmd("set bad image tag", "$.docker_build.image_tag", "step", "edit", "{docker_build}", "--set", "docker_build.image_tag=UPPER:1"));
        all.add(cmd("set bad pull image_id", "$.docker_pull.image_id", "step", "edit", "{docker_pull}", "--set", "docker_pull.image_id=xyz"));
        all.add(cmd("set file_exists number", "$.file_exists", "step", "edit", "{files}", "--set", "file_exists=42"));
        all.add(cmd("set file_exists entry empty", "$.file_exists[0]", "step", "edit", "{files}", "--set", "file_exists[0]=\"\""));
        all.add(cmd("set unknown field", "$.docker_run.imageTag", "step", "edit", "{docker_run}", "--set", "docker_run.imageTag=a"));
        all.add(cmd("set second type", "exactly one top-level key", "step", "edit", "{docker_run}", "--set", "file_exists=a"));
        all.add(cmd("set depends_on self", "cycle", "step", "edit", "{docker_run}", "--set", "docker_run.depends_on=[{\"id\": {docker_run}}]"));
        all.add(cmd("set depends_on twice", "depends_on[1].id", "step", "edit", "{docker_run}",
                "--set", "docker_run.depends_on=[{\"id\": {files}}, {\"id\": {files}}]"));
        all.add(cmd("set depends_on dup key", "$.docker_run.depends_on", "step", "edit", "{docker_run}",
                "--set", "docker_run.depends_on=[{\"id\": {files}, \"id\": {files}}]"));
        all.add(cmd("set depends_on extra key", "depends_on[0].why", "step", "edit", "{docker_run}",
                "--set", "docker_run.depends_on=[{\"id\": {files}, \"why\": 1}]"));
        all.add(cmd("set no equals", "--set needs json.path=VALUE", "step", "edit", "{docker_run}", "--set", "docker_run.command"));
        all.add(cmd("set no path", "--set needs json.path=VALUE", "step", "edit", "{docker_run}", "--set", "=1"));
        all.add(cmd("set bad index", "is not an array index", "step", "edit", "{files}", "--set", "file_exists[x]=a"));
        all.add(cmd("set index far out", "index 9 is out of range", "step", "edit", "{files}", "--set", "file_exists[9]=a"));
        all.add(cmd("set negative index", "out of range", "step", "edit", "{files}", "--set", "file_exists[-1]=a"));
        all.add(cmd("set key into string", "is not an object", "step", "edit", "{docker_build}", "--set", "docker_build.image_tag.x=1"));
        all.add(cmd("set unclosed bracket", "missing ']'", "step", "edit", "{files}", "--set", "file_exists[0=a"));
        all.add(cmd("set empty path", "is empty", "step", "edit", "{files}", "--set", "$.=a"));
        all.add(cmd("set NUL value", "$.docker_run.command[0]", "step", "edit", "{docker_run}", "--set", "docker_run.command[0]=a\u0000"));
        all.add(cmd("set surrogate value", "$.docker_run.working_dir", "step", "edit", "{docker_run}", "--set", "docker_run.working_dir=\ud800"));
        all.add(cmd("remove required key", "$.docker_build.image_tag", "step", "edit", "{docker_build}", "--remove-key", "docker_build.image_tag"));
        all.add(cmd("remove type key", "exactly one top-level key", "step", "edit", "{files}", "--remove-key", "file_exists"));
        all.add(cmd("remove nothing", "nothing to remove", "step", "edit", "{files}", "--remove-key", "file_exists[7]"));
        all.add(cmd("remove missing path", "nothing at", "step", "edit", "{docker_run}", "--remove-key", "docker_run.env.A"));
        all.add(cmd("remove only command of shell", "$.docker_shell.command", "step", "edit", "{docker_shell}", "--remove-key", "docker_shell.command"));
        all.add(cmd("edit settings trailing", "after the end of the JSON", "step", "edit", "{files}", "--settings", "{\"file_exists\": \"a\"} x"));
        all.add(cmd("edit settings duplicate", "duplicate key", "step", "edit", "{files}", "--settings", "{\"file_exists\": \"a\", \"file_exists\": \"b\"}"));
        all.add(cmd("edit settings duplicate with --set", "duplicate key", "step", "edit", "{files}",
                "--settings", "{\"file_exists\": \"a\", \"file_exists\": \"b\"}", "--set", "file_exists=c"));
        all.add(cmd("edit settings malformed", "malformed JSON", "step", "edit", "{files}", "--settings", "{nope"));
        all.add(cmd("edit settings other type bad", "$.docker_pull.image_tag", "step", "edit", "{files}", "--settings", "{\"docker_pull\": {\"image_tag\": \"A B\"}}"));
        all.add(cmd("edit unknown step", "no step with id 424242", "step", "edit", "424242", "--title", "x"));
        all.add(cmd("edit step id huge", "ID", "step", "edit", "99999999999", "--title", "x"));
    }

    private static void files(List<Case> all) {
        String[] create = {"step", "create", "--task-id", "{task}", "--title", "X", "--settings"};
        all.add(new Case("settings file invalid UTF-8", "is not valid UTF-8: byte 3", concat(create, "@{badutf8}")));
        all.add(new Case("settings file trailing document", "after the end of the JSON", concat(create, "@{trailingfile}")));
        all.add(new Case("settings file missing", "does not exist", concat(create, "@{dir}/missing.json")));
        all.add(new Case("settings file is a directory", "it is a directory", concat(create, "@{dir}")));
        all.add(new Case("settings file unnamed", "name the file after @", concat(create, "@")));
        all.add(new Case("settings file /proc/1/mem", "cannot read settings file /proc/1/mem: ", concat(create, "@/proc/1/mem")));
        all.add(cmd("edit settings file invalid UTF-8", "is not valid UTF-8", "step", "edit", "{files}", "--settings", "@{badutf8}"));
        all.add(cmd("edit settings file missing", "does not exist", "step", "edit", "{files}", "--settings", "@{dir}/nope.json"));
    }

    private static List<String> concat(String[] head, String last) {
        List<String> l = new ArrayList<>(List.of(head));
        l.add(last);
        return l;
    }

    private static void ids(List<Case> all) {
        all.add(cmd("task show huge id", "'99999999999' is not a valid task id", "task", "show", "99999999999"));
        all.add(cmd("task show id zero", "is not a valid task id", "task", "show", "0"));
        all.add(cmd("task show missing", "no task with id 424242", "task", "show", "424242"));
        all.add(cmd("task show unknown name", "no task named 'ghost'", "task", "show", "ghost"));
        all.add(cmd("task show name with NUL", "no task named", "task", "show", "gh\u0000ost"));
        all.add(cmd("task show name with surrogate", "no task named", "task", "show", "gh\ud800"));
        all.add(cmd("task show name too long", "no task named", "task", "show", "n".repeat(5000)));
        all.add(cmd("run task name with NUL", "no task named", "run", "--task", "a\u0000"));
        all.add(cmd("step create in task named with NUL", "no task named", "step", "create", "--task", "a\u0000", "--title", "X",
                "--settings", "{\"file_exists\": \"a\"}"));
        all.add(cmd("task delete huge id", "'99999999999' is not a valid task id", "task", "delete", "99999999999", "--yes"));
        all.add(cmd("task delete missing", "no task with id 424242", "task", "delete", "424242", "--yes"));
        all.add(cmd("step show huge id", "ID", "step", "show", "99999999999"));
        all.add(cmd("step show letters", "ID", "step", "show", "abc"));
        all.add(cmd("step show missing", "no step with id 424242", "step", "show", "424242"));
        all.add(cmd("step delete missing", "no step with id 424242", "step", "delete", "424242"));
        all.add(cmd("step delete depended on", "depend on it", "step", "delete", "{files}"));
        all.add(cmd("step reset missing", "no step with id 424242", "step", "reset", "424242"));
        all.add(cmd("step list huge task", "--task-id", "step", "list", "--task-id", "99999999999"));
        all.add(cmd("step list task by huge id", "is not a valid task id", "step", "list", "--task", "99999999999"));
        all.add(cmd("run huge task id", "--task-id", "run", "--task-id", "99999999999"));
        all.add(cmd("run missing task", "no task with id 424242", "run", "--task-id", "424242"));
        all.add(cmd("run task by huge id", "is not a valid task id", "run", "--task", "99999999999"));
        all.add(cmd("plan task by huge id", "is not a valid task id", "plan", "--task", "99999999999"));
        all.add(cmd("graph bad format", "--format", "graph", "--task-id", "{task}", "--format", "png"));
        all.add(cmd("run concurrency zero", "concurrency", "run", "--task-id", "{task}", "--concurrency", "0"));
        all.add(cmd("run concurrency huge", "--concurrency must be at most 1000", "run", "--task-id", "{task}", "--concurrency", "2000000000"));
        all.add(cmd("run concurrency beyond int", "--concurrency", "run", "--task-id", "{task}", "--concurrency", "99999999999"));
        all.add(cmd("worker concurrency huge", "--concurrency must be at most 1000", "worker", "--concurrency", "5000"));
        all.add(cmd("worker concurrency zero", "--concurrency must be at least 1", "worker", "--concurrency", "0"));
    }
}
